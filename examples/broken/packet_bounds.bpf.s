// BROKEN: reads the packet without first checking it against data_end.
// Expected verifier error: invalid access to packet, off=12 size=2, R1(id=0,off=12,r=0)
	.section	xdp
read_proto:
	r2 = *(u32 *)(r1 + 4) // data_end, loaded but never compared
	r1 = *(u32 *)(r1 + 0)
	r0 = *(u16 *)(r1 + 12) // eth->h_proto, unchecked
	r0 = 2
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
