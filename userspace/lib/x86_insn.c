// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * x86-64 instruction lengths, for replaying what the kernel's patcher does
 * with its own decoder (insn_decode_kernel()): walking a patch site
 * instruction by instruction to find NOPs, relative branches and
 * RIP-relative operands.
 *
 * 64-bit mode only: legacy prefixes, REX, the one-, two- and three-byte
 * opcode maps, VEX, EVEX and XOP, ModRM, SIB, displacements and
 * immediates. Operand-size and address-size prefixes change the sizes the
 * way the manuals say. An encoding that is invalid in 64-bit mode, or runs
 * past the bytes given, does not decode.
 *
 * Checked against objdump on the text of every module Debian ships
 * (selftests/elfverify/insn-oracle.sh).
 */
#include <string.h>

#include "elfmod.h"

/* The kernel's x86_nops[], 6.1 (P6 NOPs up to 8 bytes) and 6.12 (up to 11). */
static const uint8_t nop1[] = { 0x90 };
static const uint8_t nop2[] = { 0x66, 0x90 };
static const uint8_t nop3[] = { 0x0f, 0x1f, 0x00 };
static const uint8_t nop4[] = { 0x0f, 0x1f, 0x40, 0x00 };
static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t nop6[] = { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t nop7[] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t nop8[] = { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t nop9[] = { 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t nop10[] = { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t nop11[] = { 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 };

const uint8_t *const x86_nops_61[9] = {
	NULL, nop1, nop2, nop3, nop4, nop5, nop6, nop7, nop8,
};

const uint8_t *const x86_nops_612[12] = {
	NULL, nop1, nop2, nop3, nop4, nop5, nop6, nop7, nop8, nop9, nop10, nop11,
};

enum imm {
	I_NONE,
	I_B,		/* 8 bits */
	I_W,		/* 16 bits */
	I_Z,		/* 16 or 32 bits (operand size) */
	I_V,		/* 16, 32 or 64 bits (MOV r, imm) */
	I_WB,		/* ENTER: 16 + 8 */
	I_M,		/* moffs: 64 or 32 bits (address size) */
	I_REL32,	/* rel32 branch (CALL, JMP, Jcc, XBEGIN) */
	I_BAD,		/* invalid in 64-bit mode */
};

/* One-byte map: has ModRM, immediate. */
static bool modrm1(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	switch (op) {
	case 0x62: case 0x63: case 0x69: case 0x6b:
	case 0x80 ... 0x8f:
	case 0xc0: case 0xc1: case 0xc4 ... 0xc7:
	case 0xd0 ... 0xd3: case 0xd8 ... 0xdf:
	case 0xf6: case 0xf7: case 0xfe: case 0xff:
		return true;
	}
	return false;
}

static enum imm imm1(uint8_t op, uint8_t reg)
{
	if (op < 0x40) {
		switch (op & 7) {
		case 4: return I_B;
		case 5: return I_Z;
		case 6: case 7: return I_BAD;	/* push/pop seg, daa, ... */
		}
		return I_NONE;
	}
	switch (op) {
	case 0x60: case 0x61: case 0x82: case 0x9a: case 0xce:
	case 0xd4: case 0xd5: case 0xd6: case 0xea:
		return I_BAD;
	case 0x68: case 0x69: case 0x81: case 0xa9: case 0xc7:
		return I_Z;
	case 0x6a: case 0x6b: case 0x70 ... 0x7f: case 0x80: case 0x83:
	case 0xa8: case 0xb0 ... 0xb7: case 0xc0: case 0xc1: case 0xc6:
	case 0xcd: case 0xe0 ... 0xe7: case 0xeb:
		return I_B;
	case 0xa0 ... 0xa3:
		return I_M;
	case 0xb8 ... 0xbf:
		return I_V;
	case 0xc2: case 0xca:
		return I_W;
	case 0xc8:
		return I_WB;
	case 0xe8: case 0xe9:
		return I_REL32;
	case 0xf6:
		return reg < 2 ? I_B : I_NONE;
	case 0xf7:
		return reg < 2 ? I_Z : I_NONE;
	}
	return I_NONE;
}

/* Two-byte map (0F xx). */
static bool modrm2(uint8_t op)
{
	switch (op) {
	case 0x05 ... 0x09: case 0x0b: case 0x0e:
	case 0x30 ... 0x37: case 0x77:
	case 0x80 ... 0x8f:
	case 0xa0 ... 0xa2: case 0xa8 ... 0xaa:
	case 0xc8 ... 0xcf:
		return false;
	}
	return true;
}

static enum imm imm2(uint8_t op)
{
	switch (op) {
	case 0x0f:			/* 3DNow!: an opcode byte after the operands */
	case 0x70 ... 0x73: case 0xa4: case 0xac: case 0xba:
	case 0xc2: case 0xc4 ... 0xc6:
		return I_B;
	case 0x80 ... 0x8f:
		return I_REL32;
	case 0x04: case 0x0a: case 0x0c: case 0x24: case 0x25: case 0x26:
	case 0x27: case 0x36: case 0x39: case 0x3b ... 0x3f: case 0xff:
		return I_BAD;
	}
	return I_NONE;
}

/* Immediate of VEX/EVEX/XOP-encoded instructions, by map. */
static enum imm imm_vex(unsigned int map, uint8_t op)
{
	switch (map) {
	case 1:
		switch (op) {
		case 0x70 ... 0x73: case 0xc2: case 0xc4 ... 0xc6:
			return I_B;
		}
		return I_NONE;
	case 3:
	case 8:
		return I_B;
	case 0x0a:
		return I_Z;	/* XOP map A: 32-bit immediate */
	}
	return I_NONE;
}

struct decoder {
	const uint8_t *p;
	size_t avail;
	size_t pos;
	bool opsize16;		/* 66 */
	bool addr32;		/* 67 */
	bool rex_w;
};

static bool take(struct decoder *d, uint8_t *b)
{
	if (d->pos >= d->avail || d->pos >= 15)
		return false;
	*b = d->p[d->pos++];
	return true;
}

/* ModRM, SIB and displacement. */
static bool decode_modrm(struct decoder *d, struct x86_insn *in)
{
	uint8_t mod, rm, sib;

	if (!take(d, &in->modrm))
		return false;
	in->has_modrm = true;
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	if (mod == 3)
		return true;
	if (rm == 4) {
		if (!take(d, &sib))
			return false;
		if (mod == 0 && (sib & 7) == 5)
			in->disp_len = 4;
	} else if (mod == 0 && rm == 5) {
		in->disp_len = 4;
		in->rip_relative = true;
	}
	if (mod == 1)
		in->disp_len = 1;
	else if (mod == 2)
		in->disp_len = 4;
	in->disp_off = (unsigned int)d->pos;
	d->pos += in->disp_len;
	return d->pos <= d->avail;
}

static unsigned int imm_size(const struct decoder *d, enum imm imm)
{
	switch (imm) {
	case I_B: return 1;
	case I_W: return 2;
	case I_Z: return d->opsize16 && !d->rex_w ? 2 : 4;
	case I_V: return d->rex_w ? 8 : d->opsize16 ? 2 : 4;
	case I_WB: return 3;
	case I_M: return d->addr32 ? 4 : 8;
	case I_REL32: return 4;
	case I_NONE: case I_BAD: break;
	}
	return 0;
}

/* VEX (C4/C5), EVEX (62) and XOP (8F): the prefix bytes, then opcode and ModRM. */
static bool decode_vex(struct decoder *d, struct x86_insn *in, uint8_t first)
{
	unsigned int map;
	uint8_t b1, b2, b3, op;

	if (!take(d, &b1))
		return false;
	if (first == 0xc5) {
		map = 1;
	} else if (first == 0x62) {
		if (!take(d, &b2) || !take(d, &b3))
			return false;
		map = b1 & 7;
		d->rex_w = b2 & 0x80;
	} else {
		if (!take(d, &b2))
			return false;
		map = b1 & 0x1f;
		d->rex_w = b2 & 0x80;
	}
	if (!take(d, &op))
		return false;
	in->opcode[0] = op;
	in->opcode_len = 1;
	/* VZEROUPPER and VZEROALL have no ModRM. */
	if (!(first != 0x62 && map == 1 && op == 0x77) && !decode_modrm(d, in))
		return false;
	in->imm_len = imm_size(d, imm_vex(map, op));
	in->imm_off = (unsigned int)d->pos;
	d->pos += in->imm_len;
	return d->pos <= d->avail && d->pos <= 15;
}

bool x86_decode(const uint8_t *p, size_t avail, struct x86_insn *in)
{
	struct decoder d = { .p = p, .avail = avail };
	enum imm imm;
	uint8_t b, op;

	memset(in, 0, sizeof(*in));
	for (;;) {
		if (!take(&d, &b))
			return false;
		switch (b) {
		case 0xf0: case 0xf2: case 0xf3: case 0x2e: case 0x36:
		case 0x3e: case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
			if (in->nr_prefixes < sizeof(in->prefix))
				in->prefix[in->nr_prefixes] = b;
			in->nr_prefixes++;
			if (b == 0x66)
				d.opsize16 = true;
			if (b == 0x67)
				d.addr32 = true;
			continue;
		}
		break;
	}
	if (b >= 0x40 && b <= 0x4f) {
		in->rex = true;
		d.rex_w = b & 8;
		if (!take(&d, &b))
			return false;
	}
	if (b == 0xc4 || b == 0xc5 || b == 0x62 ||
	    (b == 0x8f && d.pos < d.avail && (p[d.pos] & 0x38))) {
		if (in->rex || !decode_vex(&d, in, b))
			return false;
		in->len = (unsigned int)d.pos;
		return true;
	}
	op = b;
	in->opcode[0] = op;
	in->opcode_len = 1;
	if (op != 0x0f) {
		if (modrm1(op) && !decode_modrm(&d, in))
			return false;
		imm = imm1(op, (in->modrm >> 3) & 7);
		/* XABORT (C6 F8) and XBEGIN (C7 F8) */
		if (op == 0xc7 && in->modrm == 0xf8)
			imm = I_REL32;
	} else {
		if (!take(&d, &op))
			return false;
		in->opcode[1] = op;
		in->opcode_len = 2;
		if (op == 0x38 || op == 0x3a) {
			if (!take(&d, &b))
				return false;
			in->opcode[2] = b;
			in->opcode_len = 3;
			if (!decode_modrm(&d, in))
				return false;
			imm = op == 0x3a ? I_B : I_NONE;
		} else {
			if (modrm2(op) && !decode_modrm(&d, in))
				return false;
			imm = imm2(op);
		}
	}
	if (imm == I_BAD)
		return false;
	in->imm_len = imm_size(&d, imm);
	in->imm_off = (unsigned int)d.pos;
	d.pos += in->imm_len;
	if (d.pos > d.avail || d.pos > 15)
		return false;
	in->len = (unsigned int)d.pos;
	return true;
}

/* insn_is_nop() of 6.12: NOP (not PAUSE) and NOPL. */
bool x86_insn_is_nop(const struct x86_insn *in)
{
	if (in->opcode_len == 1 && in->opcode[0] == 0x90)
		return !in->nr_prefixes || in->prefix[0] != 0xf3;
	return in->opcode_len == 2 && in->opcode[0] == 0x0f && in->opcode[1] == 0x1f;
}
