// XDP with a bpf-to-bpf call and a bounded loop: drop packets whose first 8 bytes sum to an odd number.
	.section	xdp
	.globl	xdp_parity
xdp_parity:
	r2 = *(u32 *)(r1 + 4) // ctx->data_end
	r1 = *(u32 *)(r1 + 0) // ctx->data
	r3 = r1
	r3 += 8
	if r3 > r2 goto pass // fewer than 8 bytes
	call sum8            // r1 = data, already checked for 8 bytes
	r0 &= 1
	r0 += 1 // odd: XDP_DROP (1), even: XDP_PASS (2)
	exit
pass:
	r0 = 2
	exit

// Sums the 8 bytes at r1. The loop is bounded: the verifier walks each of its 8 iterations.
sum8:
	r0 = 0
	r2 = 0
next:
	r3 = r1
	r3 += r2
	r4 = *(u8 *)(r3 + 0)
	r0 += r4
	r2 += 1
	if r2 < 8 goto next
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
