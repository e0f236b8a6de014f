// XDP: drop IPv4 UDP datagrams to port 9999, pass everything else.
	.section	xdp
	.globl	xdp_drop_udp
xdp_drop_udp:
	r2 = *(u32 *)(r1 + 4) // ctx->data_end
	r1 = *(u32 *)(r1 + 0) // ctx->data
	r0 = 2                // XDP_PASS
	r3 = r1
	r3 += 42                // Ethernet (14) + IPv4 (20) + UDP (8)
	if r3 > r2 goto out     // too short: the bounds check the verifier wants
	r4 = *(u16 *)(r1 + 12)  // eth->h_proto, network byte order
	if r4 != 0x8 goto out   // ETH_P_IP (0x0800) read little endian
	r4 = *(u8 *)(r1 + 14)   // version and header length
	if r4 != 0x45 goto out  // IPv4 without options
	r4 = *(u8 *)(r1 + 23)   // ip->protocol
	if r4 != 17 goto out    // IPPROTO_UDP
	r4 = *(u16 *)(r1 + 36)  // udp->dest
	if r4 != 0xf27 goto out // htons(9999)
	r0 = 1                  // XDP_DROP
out:
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
