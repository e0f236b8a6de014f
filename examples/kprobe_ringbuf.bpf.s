// kprobe: report each openat2 call (pid/tgid and command name) through a ring buffer.
	.map	events type=ringbuf key=0 value=0 max_entries=4096

	.section	kprobe/do_sys_openat2
	.globl	trace_open
trace_open:
	r1 = events ll
	r2 = 24 // struct { u64 pid_tgid; char comm[16]; }
	r3 = 0
	call bpf_ringbuf_reserve
	if r0 == 0 goto out // the buffer is full
	r7 = r0             // r6-r9 survive helper calls
	call bpf_get_current_pid_tgid
	*(u64 *)(r7 + 0) = r0
	r1 = r7
	r1 += 8
	r2 = 16
	call bpf_get_current_comm
	r1 = r7
	r2 = 0
	call bpf_ringbuf_submit // every reserved record must be submitted or discarded
out:
	r0 = 0
	exit

	.section	license, "aw", @progbits
	.asciz	"GPL"
