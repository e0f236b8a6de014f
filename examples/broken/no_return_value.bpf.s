// BROKEN: the program exits without setting r0.
// Expected verifier error: R0 !read_ok
	.section	xdp
no_result:
	r1 = 0
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
