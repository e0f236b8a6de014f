// LLVM-syntax sources that llvm-mc-19 assembles, covering the object layouts the ELF layer must
// reproduce: several sections, local and global labels, functions, calls within and across
// sections and to externs, ld_imm64 of maps, data and functions, and every instruction family.

export const ELF_SOURCES: Record<string, string> = {
  minimal: `
	.section socket,"ax",@progbits
	r0 = 0
	exit
`,
  'functions-and-subprograms': `
	.text
	.globl	helper
	.type	helper,@function
helper:
	r0 = r1
	r0 += 1
	exit
.Lhelper_end:
	.size	helper, .Lhelper_end-helper
local_sub:
	r0 = 7
	exit

	.section	xdp,"ax",@progbits
	.globl	prog
	.type	prog,@function
prog:
	r6 = r1
	call helper
	call local_sub
	call 1
	if r0 == 0 goto .LBB0_2
	r0 = 2
	exit
.LBB0_2:
	r0 = 1
	exit
`,
  'same-section-calls': `
	.section	xdp,"ax",@progbits
	.globl	prog
	.type	prog,@function
prog:
	call sub
	call gsub
	call lsub
	r1 = sub ll
	call ext
	exit
sub:
	exit
	.globl gsub
	.type gsub,@function
gsub:
	exit
.Llsub:
lsub:
	r0 = 3
	exit
`,
  'data-references': `
	.section	tc,"ax",@progbits
	.globl	classify
	.type	classify,@function
classify:
	r1 = var ll
	r2 = gvar ll
	r3 = lvar ll
	r4 = var+8 ll
	r5 = gvar+4 ll
	r6 = zeroes ll
	r7 = ext_data ll
	r0 = *(u32 *)(r1 + 0)
	exit
	.data
	.quad 1
var:
	.quad 2
	.globl gvar
gvar:
	.long 3
	.section .rodata,"a",@progbits
lvar:
	.byte 1, 2, 3
	.bss
zeroes:
	.zero 16
`,
  'legacy-maps-and-license': `
	.section	kprobe/sys_open,"ax",@progbits
	.globl	trace
	.type	trace,@function
trace:
	r1 = counts ll
	r2 = r10
	r2 += -4
	*(u32 *)(r10 - 4) = 0
	call 1
	r1 = events ll
	exit

	.section maps,"aw",@progbits
	.globl counts
counts:
	.long 1
	.long 4
	.long 8
	.long 1024
	.long 0
	.globl events
events:
	.long 4
	.long 4
	.long 4
	.long 0
	.long 0

	.section license,"aw",@progbits
	.globl _license
_license:
	.asciz "GPL"
`,
  'labels-and-branches': `
	.section	socket,"ax",@progbits
	.globl	filter
	.type	filter,@function
filter:
start:
	r0 = 0
loop:
	r0 += 1
	if r0 < 10 goto loop
	if w0 s> 3 goto done
	goto start
	gotol done
	may_goto done
done:
	exit
tail:
	exit
`,
  'v4-instructions': `
	.section tc,"ax",@progbits
	.globl entry
	.type entry,@function
entry:
	r1 = (s8)r2
	w1 = (s16)w2
	r1 = (s32)r3
	r1 s/= 3
	r1 s%= r2
	w3 s/= w4
	w3 s%= 5
	r1 = bswap16 r1
	r1 = bswap32 r1
	r1 = bswap64 r1
	r1 = be16 r1
	r1 = be32 r1
	r1 = be64 r1
	r1 = le16 r1
	r1 = le32 r1
	r1 = le64 r1
	lock *(u64 *)(r1 + 0) += r2
	lock *(u32 *)(r1 + 4) |= w2
	lock *(u64 *)(r1 + 8) &= r2
	lock *(u64 *)(r1 + 8) ^= r2
	r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)
	w0 = atomic_fetch_and((u32 *)(r1 + 0), w0)
	r0 = atomic_fetch_or((u64 *)(r1 + 0), r0)
	w0 = atomic_fetch_xor((u32 *)(r1 + 0), w0)
	r0 = xchg_64(r1 + 0, r0)
	w0 = xchg32_32(r1 + 0, w0)
	r0 = cmpxchg_64(r1 + 0, r0, r2)
	w0 = cmpxchg32_32(r1 + 0, w0, w2)
	r0 = *(s8 *)(r1 + 2)
	r0 = *(s16 *)(r1 - 2)
	r0 = *(s32 *)(r1 + 2)
	r0 = *(u8 *)skb[1]
	r0 = *(u16 *)skb[2]
	r0 = *(u32 *)skb[r3]
	callx r1
	exit
`,
  'alu-and-memory': `
	.section	cgroup_skb/ingress,"ax",@progbits
	.globl	ingress
	.type	ingress,@function
ingress:
	r0 = 1
	w1 = -1
	r2 = r1
	w3 = w2
	r0 += r1
	r0 -= 7
	r0 *= r2
	r0 /= 3
	r0 %= r3
	r0 |= 0xff
	r0 &= r4
	r0 <<= 3
	r0 >>= r5
	r0 s>>= 2
	r0 ^= r6
	w0 += w1
	w0 -= 7
	w0 *= w2
	w0 /= 3
	w0 %= w3
	w0 |= 0xff
	w0 &= w4
	w0 <<= 3
	w0 >>= w5
	w0 s>>= 2
	w0 ^= w6
	r0 = *(u8 *)(r1 + 0)
	r0 = *(u16 *)(r1 + 2)
	w0 = *(u32 *)(r1 + 4)
	r0 = *(u64 *)(r1 + 8)
	*(u8 *)(r10 - 1) = w0
	*(u16 *)(r10 - 4) = w0
	*(u32 *)(r10 - 8) = w0
	*(u64 *)(r10 - 16) = r0
	*(u8 *)(r10 - 1) = 1
	*(u32 *)(r10 - 8) = -2
	*(u64 *)(r10 - 16) = 3
	if r0 == r1 goto +1
	if r0 != 5 goto +1
	if r0 > r1 goto +1
	if r0 >= 5 goto +1
	if r0 < r1 goto +1
	if r0 <= 5 goto +1
	if r0 s> r1 goto +1
	if r0 s>= -5 goto +1
	if r0 s< r1 goto +1
	if r0 s<= 5 goto +1
	if r0 & 8 goto +1
	if w0 == w1 goto +1
	if w0 != 5 goto +1
	if w0 > w1 goto +1
	if w0 s<= -5 goto +1
	r0 = 0x123456789abcdef ll
	r1 = -1 ll
	r0 = 1
	exit
`,
  'many-sections': `
	.section	tracepoint/syscalls/sys_enter_execve,"ax",@progbits
	.globl	on_exec
	.type	on_exec,@function
on_exec:
	r0 = 0
	exit
	.section	raw_tp/sched_switch,"ax",@progbits
	.globl	on_switch
	.type	on_switch,@function
on_switch:
	call shared
	r0 = 0
	exit
	.section	lsm/file_open,"ax",@progbits
	.globl	on_open
	.type	on_open,@function
on_open:
	r1 = shared ll
	call shared
	exit
	.text
	.globl shared
	.type shared,@function
shared:
	r0 = 0
	exit
	.section .rodata.str1.1,"aMS",@progbits,1
msg:
	.asciz "hello"
`,
  'text-only-with-extern-calls': `
	.text
	r1 = 0
	call ext_fn
	r2 = ext_var ll
	exit
`,
};
