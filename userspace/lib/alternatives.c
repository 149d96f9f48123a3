// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Alternatives and paravirt sites: instructions the kernel may replace by
 * others, chosen by CPU feature (.altinstructions) or by the hypervisor
 * interface in use (.parainstructions, 6.1). They can contain other sites
 * (a return thunk jump inside an alternative's original instructions, a
 * paravirt call as the original of an alternative), which are patched
 * first.
 *
 * The forms of an alternative site, for its entries in .altinstructions
 * (several entries for one site in a row: nested ALTERNATIVE_2/3):
 *
 *  - the original instructions, the sites inside them each in its own
 *    loaded form when that form is legal, then optimize_nops();
 *  - for each entry, apply_alternatives() with the feature present: the
 *    replacement (as loaded in .altinstr_replacement, its own sites
 *    checked there), padded with NOPs, relative branches (6.1: a CALL, and
 *    a JMP which may shrink to two bytes; 6.12: every branch and
 *    RIP-relative operand leaving the replacement, JMP.d32 shrinking to
 *    JMP.d8 where it fits) moved to the site, then optimize_nops(). With
 *    ALT_FLAG_DIRECT_CALL (6.12) the replacement calls what the paravirt
 *    slot the original calls through holds: an address only the guest
 *    knows, the same for every site of that slot.
 *
 * The forms of a paravirt site (6.1): the original indirect call; a direct
 * call to the slot's function (the guest's address, the same for every
 * site of that type) padded with NOPs; NOPs only (a no-op function).
 *
 * The NOP optimisation and the relocation walk the instructions with
 * x86_insn.c, as the kernel walks them with its decoder.
 */
#include <stdlib.h>
#include <string.h>

#include "patchsites.h"

#define ALT_FLAG_NOT		(1 << 0)	/* 6.12 flags; 6.1 has the NOT bit in cpuid */
#define ALT_FLAG_DIRECT_CALL	(1 << 1)

/* add_nops() (6.1) and add_nop() (6.12). */
static void add_nops(struct ck *ck, uint8_t *buf, unsigned int len)
{
	if (ck->m->kernel == HOSTSIG_ELF_KERNEL_6_1) {
		while (len) {
			unsigned int n = len > 8 ? 8 : len;

			memcpy(buf, x86_nops_61[n], n);
			buf += n;
			len -= n;
		}
		return;
	}
	if (!len)
		return;
	if (len <= 11) {
		memcpy(buf, x86_nops_612[len], len);
		return;
	}
	if (len < 128) {
		buf[0] = 0xeb;
		buf[1] = (uint8_t)(len - 2);
		memset(buf + 2, 0xcc, len - 2);
	} else {
		ck_rel32(buf, 0xe9, 0, len);
		memset(buf + 5, 0xcc, len - 5);
	}
}

/* 6.1: runs of single-byte NOPs become long NOPs. */
static void optimize_nops_61(struct ck *ck, uint8_t *buf, unsigned int len)
{
	unsigned int i = 0;

	for (;;) {
		struct x86_insn insn;

		if (!x86_decode(buf + i, len - i, &insn))
			return;
		if (insn.len == 1 && buf[i] == 0x90) {
			unsigned int j = i;

			while (j < len && buf[j] == 0x90)
				j++;
			if (j - i > 1)
				add_nops(ck, buf + i, j - i);
			i = j;
		} else {
			i += insn.len;
		}
		if (i >= len)
			return;
	}
}

/* 6.12: every run of NOP instructions becomes one NOP (or a jump over INT3s). */
static void optimize_nops_612(struct ck *ck, uint8_t *buf, unsigned int len)
{
	unsigned int next;

	for (unsigned int i = 0; i < len; i = next) {
		struct x86_insn insn;

		if (!x86_decode(buf + i, len - i, &insn))
			return;
		next = i + insn.len;
		if (x86_insn_is_nop(&insn)) {
			if (i + insn.len == len)
				return;
			while (next < len) {
				struct x86_insn n;

				if (!x86_decode(buf + next, len - next, &n) || !x86_insn_is_nop(&n))
					break;
				next += n.len;
			}
			if (next > len)
				next = len;
			add_nops(ck, buf + i, next - i);
		}
	}
}

void alt_optimize_nops(struct ck *ck, uint8_t *buf, unsigned int len)
{
	if (ck->m->kernel == HOSTSIG_ELF_KERNEL_6_1)
		optimize_nops_61(ck, buf, len);
	else
		optimize_nops_612(ck, buf, len);
}

/* ---- collecting ------------------------------------------------------------ */

/*
 * 6.12 writes the longest length of a group into each of its entries'
 * instrlen (apply_alternatives()), in .altinstructions itself: that byte
 * holds the file's value or the group's.
 */
static void group_instrlen(struct ck *ck, unsigned int sec, uint64_t base,
			   const struct site *s, unsigned int len)
{
	uint64_t addr = base + (uint64_t)s->entry * 14 + 12, off;
	unsigned int alloc;
	uint8_t e, m;
	char where[96];

	if (!ck_locate(ck, addr, 1, &alloc, &off))
		return;
	(void)sec;
	e = ck->ex->img[alloc].bytes[off];
	m = ck->in->allocs[alloc].bytes[off];
	ck_mark_table(ck, alloc, off, 1, ".altinstructions instrlen");
	if (m == e || m == len)
		return;
	ck_where(ck, alloc, off, where, sizeof(where));
	ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
		"alternative %u: instrlen at %s is %u, neither %u nor the group's %u",
		s->entry, where, m, e, len);
}

void alt_collect(struct ck *ck)
{
	bool v61 = ck->m->kernel == HOSTSIG_ELF_KERNEL_6_1;
	unsigned int esize = v61 ? 12 : 14, sec;
	size_t first = ck->nr_sites;
	const uint8_t *t;
	uint64_t base;

	if (!ck_section(ck, ".altinstructions", &sec))
		return;
	t = ck_table_bytes(ck, sec, false);
	base = ck->lay->sec[sec].addr;
	for (uint64_t i = 0; i + esize <= ck->m->sh[sec].size; i += esize) {
		const uint8_t *e = t + i;
		uint64_t instr = base + i + (uint64_t)(int64_t)(int32_t)le32(e);
		uint64_t repl = base + i + 4 + (uint64_t)(int64_t)(int32_t)le32(e + 4);
		unsigned int flags, instrlen = e[esize - 2], repllen = e[esize - 1];
		size_t s;

		if (v61)
			flags = (le16(e + 8) & 0x8000) ? ALT_FLAG_NOT : 0;
		else
			flags = le16(e + 10);
		if (!instrlen)
			continue;
		if (instrlen > SITE_MAX_LEN || repllen > SITE_MAX_LEN ||
		    (repllen && !ck_in_module(ck, repl, repllen))) {
			ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
				"alternative %llu: %u bytes replaced by %u at 0x%llx",
				(unsigned long long)(i / esize), instrlen, repllen,
				(unsigned long long)repl);
			continue;
		}
		s = ck_add_site(ck, HOSTSIG_ELF_SITE_ALTERNATIVE, instr, instrlen,
				(unsigned int)(i / esize));
		if (s == SITE_NONE)
			continue;
		ck->sites[s].target = repl;
		ck->sites[s].len2 = repllen;
		ck->sites[s].flags = flags;
	}
	/* Entries for one site follow each other: they form a group; 6.12 pads
	 * them all to the longest. */
	for (size_t i = first; i < ck->nr_sites; ) {
		size_t j = i + 1;
		unsigned int len = ck->sites[i].len;

		while (j < ck->nr_sites && ck->sites[j].addr == ck->sites[i].addr) {
			if (ck->sites[j].len > len)
				len = ck->sites[j].len;
			j++;
		}
		for (size_t k = i; k < j; k++) {
			if (!v61)
				ck->sites[k].len = len;
			ck->sites[k].group_end = j;
		}
		if (v61 && j > i + 1)
			for (size_t k = i; k < j; k++)
				if (ck->sites[k].len != ck->sites[i].len)
					ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
						"alternative %u: nested entries of different lengths",
						ck->sites[k].entry);
		if (!v61)
			for (size_t k = i; k < j; k++)
				group_instrlen(ck, sec, base, &ck->sites[k], len);
		i = j;
	}
}

/* .parainstructions (6.1): { u8 *instr; u8 type; u8 len; } padded to 16 bytes. */
void pv_collect(struct ck *ck)
{
	unsigned int sec;
	const uint8_t *t;

	if (!ck_section(ck, ".parainstructions", &sec))
		return;
	if (ck->m->kernel != HOSTSIG_ELF_KERNEL_6_1) {
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
			".parainstructions in a module for a kernel that patches paravirt calls as alternatives");
		return;
	}
	t = ck_table_bytes(ck, sec, false);
	for (uint64_t i = 0; i + 16 <= ck->m->sh[sec].size; i += 16) {
		uint64_t instr = le64(t + i);
		unsigned int len = t[i + 9];
		size_t s;

		if (!len || len > SITE_MAX_LEN) {
			ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE, "paravirt site %llu of %u bytes",
				(unsigned long long)(i / 16), len);
			continue;
		}
		s = ck_add_site(ck, HOSTSIG_ELF_SITE_PARAVIRT, instr, len, (unsigned int)(i / 16));
		if (s != SITE_NONE)
			ck->sites[s].type = t[i + 8];
	}
}

static bool keyed_wild(struct ck *ck, enum wild_space space, uint64_t key, uint64_t value)
{
	struct wild *w = ck_keyed(ck, space, key);

	return w && ck_wild(ck, w, value, "");
}

/* ---- forms -------------------------------------------------------------------- */

/* The site's original bytes, with each child in its loaded form when that is legal. */
static void original_with_children(struct ck *ck, const struct site *s, size_t idx,
				   uint8_t *buf)
{
	memcpy(buf, ck_expected(ck, s), s->len);
	for (size_t i = 0; i < ck->nr_sites; i++) {
		const struct site *c = &ck->sites[i];

		if (c->parent != idx || !c->checked || !c->legal)
			continue;
		memcpy(buf + (c->off - s->off), ck_loaded(ck, c), c->len);
	}
}

/* The replacement, as the loaded .altinstr_replacement holds it (its own sites checked). */
static bool replacement(struct ck *ck, const struct site *s, uint8_t *buf)
{
	unsigned int alloc;
	uint64_t off;

	if (!s->len2)
		return true;
	if (!ck_locate(ck, s->target, s->len2, &alloc, &off))
		return false;
	/* expected bytes: the file's, or a legal form of the sites in it */
	memcpy(buf, ck->ex->img[alloc].bytes + off, s->len2);
	return true;
}

/* 6.1 recompute_jump(). */
static void recompute_jump_61(struct ck *ck, const struct site *s, uint8_t *buf)
{
	int32_t o_dspl = (int32_t)le32(buf + 1), n_dspl;
	int64_t tgt = (int64_t)s->target + 5 + o_dspl;

	n_dspl = (int32_t)(tgt - (int64_t)s->addr);
	if ((tgt - (int64_t)s->addr >= 0 && n_dspl - 2 <= 127) ||
	    (tgt - (int64_t)s->addr < 0 && ((n_dspl - 2) & 0xff) == n_dspl - 2)) {
		buf[0] = 0xeb;
		buf[1] = (uint8_t)(int8_t)(n_dspl - 2);
		add_nops(ck, buf + 2, 3);
		return;
	}
	buf[0] = 0xe9;
	put_le(buf + 1, (uint32_t)(n_dspl - 5), 4);
}

static void apply_61(struct ck *ck, const struct site *s, uint8_t *buf)
{
	if (s->len2 == 5 && buf[0] == 0xe8)
		put_le(buf + 1, le32(buf + 1) + (uint32_t)(s->target - s->addr), 4);
	if (s->len2 && (buf[0] == 0xeb || buf[0] == 0xe9) && s->len2 == 5)
		recompute_jump_61(ck, s, buf);
	memset(buf + s->len2, 0x90, s->len > s->len2 ? s->len - s->len2 : 0);
}

static bool need_reloc(const struct site *s, int64_t target_off)
{
	return target_off < 0 || target_off > (int64_t)s->len2;
}

static bool apply_reloc(uint8_t *p, unsigned int n, int64_t diff)
{
	int64_t v = n == 1 ? (int8_t)p[0] : n == 2 ? (int16_t)le16(p) : (int32_t)le32(p);

	v += diff;
	if ((n == 1 && (v < -128 || v > 127)) || (n == 2 && (v < -32768 || v > 32767)) ||
	    (n == 4 && (v < INT32_MIN || v > INT32_MAX)))
		return false;	/* the kernel BUG()s */
	put_le(p, (uint64_t)v, n);
	return true;
}

/* 6.12 __apply_relocation(). */
static bool apply_relocation_612(const struct site *s, uint8_t *buf)
{
	int64_t diff = (int64_t)(s->target - s->addr);

	for (unsigned int next, i = 0; i < s->len; i = next) {
		struct x86_insn insn;
		uint8_t op = 0;

		if (!x86_decode(buf + i, s->len - i, &insn))
			return true;	/* WARN_ON_ONCE() and stop */
		next = i + insn.len;
		if (insn.opcode_len == 1)
			op = insn.opcode[0];
		else if (insn.opcode[0] == 0x0f && (insn.opcode[1] & 0xf0) == 0x80)
			op = 0x0f;
		if (op == 0x0f || (op >= 0x70 && op <= 0x7f) || op == 0xeb || op == 0xe9 ||
		    op == 0xe8) {
			int64_t imm = insn.imm_len == 1 ? (int8_t)buf[i + insn.imm_off] :
				      insn.imm_len == 2 ? (int16_t)le16(buf + i + insn.imm_off) :
				      (int32_t)le32(buf + i + insn.imm_off);

			if (!insn.imm_len)
				return false;
			if (need_reloc(s, next + imm) &&
			    !apply_reloc(buf + i + insn.imm_off, insn.imm_len, diff))
				return false;
			if (op == 0xe9) {
				int64_t v = imm + diff + 3;

				if (v >= -128 && v <= 127) {
					buf[i] = 0xeb;
					buf[i + 1] = (uint8_t)v;
					memset(buf + i + 2, 0xcc, insn.len - 2);
				}
			}
		}
		if (insn.rip_relative) {
			int64_t disp = insn.disp_len == 1 ? (int8_t)buf[i + insn.disp_off] :
				       (int32_t)le32(buf + i + insn.disp_off);

			if (need_reloc(s, next + disp) &&
			    !apply_reloc(buf + i + insn.disp_off, insn.disp_len, diff))
				return false;
		}
	}
	return true;
}

/* ALT_FLAG_DIRECT_CALL: "call *slot(%rip)" becomes "call <what the slot holds>". */
static bool direct_call_matches(struct ck *ck, struct site *s, const uint8_t *orig,
				const uint8_t *m)
{
	uint64_t slot, func;
	uint8_t buf[SITE_MAX_LEN];

	if (s->len2 != 5 || s->len != 6 || orig[0] != 0xff || orig[1] != 0x15)
		return false;
	slot = s->addr + 6 + (uint64_t)(int64_t)(int32_t)le32(orig + 2);
	/* the slot holds nop_func: nothing is called */
	memset(buf, 0x90, s->len);
	optimize_nops_612(ck, buf, s->len);
	if (!memcmp(m, buf, s->len))
		return keyed_wild(ck, WILD_PV_SLOT, slot, 0);
	if (m[0] != 0xe8)
		return false;
	func = (uint64_t)ck_read_rel32(m + 1, s->addr + 5);
	memcpy(buf, m, 5);
	buf[5] = 0x90;
	optimize_nops_612(ck, buf, s->len);
	return !memcmp(m, buf, s->len) && ck_guest_target(ck, s, func, "the pv_ops function") &&
	       keyed_wild(ck, WILD_PV_SLOT, slot, func);
}

/* One entry applied: its replacement at the site, as the kernel writes it. */
static int entry_form(struct ck *ck, const struct site *e, const uint8_t *orig,
		      uint8_t *buf)
{
	memset(buf, 0, SITE_MAX_LEN);
	if (!replacement(ck, e, buf))
		return -1;
	if (ck->m->kernel == HOSTSIG_ELF_KERNEL_6_1) {
		apply_61(ck, e, buf);
		optimize_nops_61(ck, buf, e->len);
		return 0;
	}
	if (e->flags & ALT_FLAG_DIRECT_CALL)
		return 1;	/* matched separately: the target is the guest's */
	(void)orig;
	memset(buf + e->len2, 0x90, e->len > e->len2 ? e->len - e->len2 : 0);
	if (!apply_relocation_612(e, buf))
		return -1;
	optimize_nops_612(ck, buf, e->len);
	return 0;
}

static bool alt_legal(struct ck *ck, struct site *s, size_t idx)
{
	uint8_t orig[SITE_MAX_LEN], buf[SITE_MAX_LEN];
	const uint8_t *m = ck_loaded(ck, s);

	original_with_children(ck, s, idx, orig);
	if (ck_equal(ck, s, ck_expected(ck, s)) || ck_equal(ck, s, orig))
		return true;
	s->patched = true;
	memcpy(buf, orig, s->len);
	alt_optimize_nops(ck, buf, s->len);
	if (ck_equal(ck, s, buf))
		return true;
	for (size_t k = idx; k < s->group_end; k++) {
		struct site *e = &ck->sites[k];
		int r = entry_form(ck, e, orig, buf);

		if (r < 0)
			continue;
		if (r == 1 ? direct_call_matches(ck, e, orig, m) : ck_equal(ck, s, buf))
			return true;
	}
	return false;
}

static bool pv_legal(struct ck *ck, struct site *s, size_t idx)
{
	uint8_t orig[SITE_MAX_LEN], buf[SITE_MAX_LEN];
	const uint8_t *m = ck_loaded(ck, s);
	uint64_t func;

	original_with_children(ck, s, idx, orig);
	if (ck_equal(ck, s, orig))
		return true;
	s->patched = true;
	add_nops(ck, buf, s->len);
	if (ck_equal(ck, s, buf))
		return keyed_wild(ck, WILD_PV_TYPE, s->type, 0);
	if (s->len < 5 || m[0] != 0xe8)
		return false;
	memcpy(buf, m, 5);
	add_nops(ck, buf + 5, s->len - 5);
	func = (uint64_t)ck_read_rel32(m + 1, s->addr + 5);
	return ck_equal(ck, s, buf) && ck_guest_target(ck, s, func, "the paravirt function") &&
	       keyed_wild(ck, WILD_PV_TYPE, s->type, func);
}

void compound_check(struct ck *ck, struct site *s)
{
	size_t idx = (size_t)(s - ck->sites);

	if (s->checked)
		return;
	/* an alternative group is judged once, at its first entry */
	if (s->cls == HOSTSIG_ELF_SITE_ALTERNATIVE && idx > 0 &&
	    ck->sites[idx - 1].cls == HOSTSIG_ELF_SITE_ALTERNATIVE &&
	    ck->sites[idx - 1].group_end == s->group_end) {
		s->checked = true;
		s->legal = ck->sites[idx - 1].legal;
		return;
	}
	s->legal = s->cls == HOSTSIG_ELF_SITE_PARAVIRT ? pv_legal(ck, s, idx) :
			alt_legal(ck, s, idx);
	s->checked = true;
	if (s->parent != SITE_NONE)
		return;
	/* The model of these sites is not complete (see above): a form it does
	 * not know is unknown, not a proof of tampering; unless it holds a
	 * site whose loaded form goes inside the module. */
	if (!s->legal && ck_child_self_target(ck, idx)) {
		ck_mark(ck, s->alloc, s->off, s->len, BYTE_DONE);
		return;
	}
	ck_judge(ck, s, s->legal, true);
}
