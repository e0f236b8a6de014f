// BROKEN: xdp_md is 24 bytes long; offset 24 is past its end.
// Expected verifier error: invalid bpf_context access off=24 size=4
	.section	xdp
past_ctx:
	r0 = *(u32 *)(r1 + 24)
	r0 = 2
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
