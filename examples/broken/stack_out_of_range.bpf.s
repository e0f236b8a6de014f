// BROKEN: the stack is 512 bytes; r10 - 520 lies below it.
// Expected verifier error: invalid write to stack R10 off=-520 size=8
	.section	xdp
big_frame:
	r1 = 0
	*(u64 *)(r10 - 520) = r1
	r0 = 2
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
