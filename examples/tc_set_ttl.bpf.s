// tc classifier: set the IPv4 TTL to 64 and patch the header checksum to match.
	.section	tc
	.globl	set_ttl
set_ttl:
	r6 = r1                // keep the skb: helpers need it
	r2 = *(u32 *)(r6 + 80) // skb->data_end
	r1 = *(u32 *)(r6 + 76) // skb->data
	r3 = r1
	r3 += 34 // Ethernet (14) + IPv4 (20)
	if r3 > r2 goto ok
	r4 = *(u16 *)(r1 + 12) // eth->h_proto
	if r4 != 0x8 goto ok   // not IPv4
	r7 = *(u16 *)(r1 + 22) // TTL and protocol, as one 16-bit word
	r8 = r7
	r8 &= 0xff00        // keep the protocol byte
	r8 |= 64            // the new TTL
	if r7 == r8 goto ok // already 64
	*(u16 *)(r1 + 22) = r8
	r1 = r6
	r2 = 24 // offset of ip->check: 14 + 10
	r3 = r7 // old 16-bit word
	r4 = r8 // new 16-bit word
	r5 = 2  // the word's size
	call bpf_l3_csum_replace
ok:
	r0 = 0 // TC_ACT_OK
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
