// BROKEN: the map lookup may return NULL, and the value is used without a check.
// Expected verifier error: R0 invalid mem access 'map_value_or_null'
	.map	flows type=hash key=4 value=8 max_entries=1024

	.section	xdp
count_flow:
	*(u32 *)(r10 - 4) = 0
	r2 = r10
	r2 += -4
	r1 = flows ll
	call bpf_map_lookup_elem
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1 // r0 may be NULL here
	r0 = 2
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
