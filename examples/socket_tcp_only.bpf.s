// Socket filter: keep IPv4 TCP packets whole, drop everything else.
// A socket filter sees the packet from the network header; LD_ABS reads it through r6.
	.section	socket
	.globl	tcp_only
tcp_only:
	r6 = r1            // LD_ABS and LD_IND take the skb from r6
	r0 = *(u8 *)skb[0] // version and header length
	r0 &= 0xf0
	if r0 != 0x40 goto drop // not IPv4
	r0 = *(u8 *)skb[9]      // ip->protocol
	if r0 != 6 goto drop    // IPPROTO_TCP
	r0 = *(u32 *)(r6 + 0)   // skb->len: keep the whole packet
	exit
drop:
	r0 = 0
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
