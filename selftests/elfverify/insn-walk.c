// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The instruction boundaries the verifier's decoder (x86_insn.c) finds in
 * every executable section of a module, one "section offset length" line
 * per instruction (offset in hex), the way insn-oracle.sh has objdump print
 * them. An undecodable byte prints "section offset BAD" and counts as one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "elfmod.h"

int main(int argc, char **argv)
{
	struct hostsig_result res;
	struct elf_module m;
	uint8_t *buf;
	size_t len;
	long n;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb")) || fseek(f, 0, SEEK_END) ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "usage: insn-walk MODULE.ko\n");
		return 2;
	}
	len = (size_t)n;
	result_init(&res);
	if (elf_parse(&m, buf, len, NULL, &res)) {
		fprintf(stderr, "%s: %s\n", argv[1], res.message);
		return 1;
	}
	for (unsigned int i = 1; i < m.shnum; i++) {
		const uint8_t *p = elf_section_data(&m, i);
		uint64_t size = m.sh[i].size;

		if (!(m.sh[i].flags & SHF_EXECINSTR) || m.sh[i].type != SHT_PROGBITS)
			continue;
		for (uint64_t o = 0; o < size; ) {
			struct x86_insn insn;

			if (!x86_decode(p + o, size - o, &insn)) {
				printf("%s %llx BAD\n", elf_section_name(&m, i), (unsigned long long)o);
				o++;
				continue;
			}
			printf("%s %llx %u\n", elf_section_name(&m, i), (unsigned long long)o, insn.len);
			o += insn.len;
		}
	}
	elf_release(&m);
	return 0;
}
