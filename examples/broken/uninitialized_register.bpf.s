// BROKEN: r2 is read before anything is written to it.
// Expected verifier error: R2 !read_ok
	.section	xdp
use_r2:
	r0 = r2
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
