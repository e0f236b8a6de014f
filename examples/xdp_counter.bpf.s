// XDP: count packets per CPU in a per-CPU array, then pass them on.
	.map	pkt_count type=percpu_array key=4 value=8 max_entries=1

	.section	xdp
	.globl	xdp_count
xdp_count:
	*(u32 *)(r10 - 4) = 0 // key = 0
	r2 = r10
	r2 += -4
	r1 = pkt_count ll
	call bpf_map_lookup_elem
	if r0 == 0 goto out // the verifier insists on the NULL check
	r1 = *(u64 *)(r0 + 0)
	r1 += 1
	*(u64 *)(r0 + 0) = r1 // per-CPU: no atomic needed
out:
	r0 = 2 // XDP_PASS
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
