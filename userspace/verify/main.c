// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsig-verify: the verifier, offline, for a signed file on disk (a PE/COFF
 * image or a Linux kernel module), for the dump of a loaded PE image, for a
 * captured kernel module load, and for the certificates built into a kernel.
 *
 * Exit status: 0 authentic, 1 not authentic, 2 unknown, 64 usage error,
 * 66 input unreadable.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

static const char usage_text[] =
	"usage: hostsig-verify [OPTIONS] [--format pe|elf-module] FILE\n"
	"       hostsig-verify [OPTIONS] --loaded IMAGE --base ADDR [--image-base ADDR]\n"
	"                      [--declared-base ADDR] [--signature SIGFILE] [--tail TAILFILE]\n"
	"       hostsig-verify [OPTIONS] [--load-verified [--load-facts HEX]] --capture DIR\n"
	"       hostsig-verify [--json] --extract-certs VMLINUZ DIR\n"
	"\n"
	"  --trust CERT        trusted certificate, PEM or DER (repeatable); any\n"
	"                      certificate of a chain may be the anchor\n"
	"  --deny CERT         denied certificate (repeatable)\n"
	"  --deny-digest HEX   denied Authenticode digest (repeatable)\n"
	"  --allow-sha1        accept SHA-1 in signatures and certificate chains\n"
	"  --require-code-signing\n"
	"                      the signer's certificate must be for code signing\n"
	"                      (extended key usage), and no CA above it exclude it\n"
	"  --json              print one JSON object\n"
	"  --loaded IMAGE      the image as a loader mapped it, SizeOfImage bytes\n"
	"  --base ADDR         the address it was loaded at: of its first byte\n"
	"  --declared-base ADDR\n"
	"                      the load base the guest declared (hostsigctl show);\n"
	"                      not --base: load_mismatch\n"
	"  --image-base ADDR   the ImageBase of the file (default: the mapped header's)\n"
	"  --signature SIGFILE the file's certificate table\n"
	"  --tail TAILFILE     the file's bytes after the sections, table excluded\n"
	"  --format FORMAT     pe or elf-module (default: from the file's magic)\n"
	"  --capture DIR       a kernel module load: DIR/file.bin (the loader's file\n"
	"                      buffer), DIR/alloc-<tag>-<hexaddr>.bin per allocation,\n"
	"                      optionally DIR/signature.bin\n"
	"  --load-verified     the capture is a later one of a load verified authentic:\n"
	"                      the module's writable data is not compared\n"
	"  --load-facts HEX    with --load-verified: the load_facts its load's report gave\n"
	"  --extract-certs VMLINUZ DIR\n"
	"                      write the X.509 certificates built into a kernel image\n"
	"                      (bzImage or vmlinux) as DIR/cert-N.pem\n"
	"\n"
	"exit status: 0 authentic, 1 not authentic, 2 unknown, 64 usage, 66 unreadable\n";

enum {
	OPT_TRUST = 256,
	OPT_DENY,
	OPT_DENY_DIGEST,
	OPT_ALLOW_SHA1,
	OPT_REQUIRE_CODE_SIGNING,
	OPT_JSON,
	OPT_LOADED,
	OPT_BASE,
	OPT_IMAGE_BASE,
	OPT_DECLARED_BASE,
	OPT_SIGNATURE,
	OPT_TAIL,
	OPT_FORMAT,
	OPT_CAPTURE,
	OPT_EXTRACT_CERTS,
	OPT_LOAD_VERIFIED,
	OPT_LOAD_FACTS,
};

static const struct option options[] = {
	{ "trust", required_argument, NULL, OPT_TRUST },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "deny-digest", required_argument, NULL, OPT_DENY_DIGEST },
	{ "allow-sha1", no_argument, NULL, OPT_ALLOW_SHA1 },
	{ "require-code-signing", no_argument, NULL, OPT_REQUIRE_CODE_SIGNING },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "loaded", required_argument, NULL, OPT_LOADED },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "image-base", required_argument, NULL, OPT_IMAGE_BASE },
	{ "declared-base", required_argument, NULL, OPT_DECLARED_BASE },
	{ "signature", required_argument, NULL, OPT_SIGNATURE },
	{ "tail", required_argument, NULL, OPT_TAIL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ "extract-certs", required_argument, NULL, OPT_EXTRACT_CERTS },
	{ "load-verified", no_argument, NULL, OPT_LOAD_VERIFIED },
	{ "load-facts", required_argument, NULL, OPT_LOAD_FACTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

enum format {
	FORMAT_AUTO,
	FORMAT_PE,
	FORMAT_ELF_MODULE,
};

struct args {
	struct hostsig_trust *trust;
	bool json;
	enum format format;
	const char *capture;
	bool load_verified;
	uint8_t load_facts[HOSTSIG_ELF_FACTS_SIZE];
	bool has_load_facts;
	const char *extract_certs;
	const char *certs_dir;
	const char *file;
	const char *loaded;
	const char *signature;
	const char *tail;
	uint64_t base;
	bool has_base;
	uint64_t image_base;
	bool has_image_base;
	uint64_t declared_base;
	bool has_declared_base;
};

/* Complaint: what (and why), then the usage text. */
static int usage(const char *what, const char *why)
{
	if (what)
		fprintf(stderr, "hostsig-verify: %s%s\n", what, why);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* 0x-prefixed hex or decimal, nothing else. */
static bool parse_address(const char *s, uint64_t *v)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return !errno && !*end;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

static int add_cert(struct hostsig_trust *trust, const char *path, bool deny)
{
	struct input in;
	int n;

	if (input_read(&in, path)) {
		fprintf(stderr, "hostsig-verify: %s: %s\n", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	n = deny ? hostsig_trust_deny_cert(trust, in.data, in.len) :
		   hostsig_trust_add_cert(trust, in.data, in.len);
	input_release(&in);
	if (n <= 0) {
		fprintf(stderr, "hostsig-verify: %s: no certificate in it\n", path);
		return EXIT_NOINPUT;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
	size_t len;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_TRUST:
		case OPT_DENY:
			ret = add_cert(a->trust, optarg, opt == OPT_DENY);
			if (ret)
				return ret;
			break;
		case OPT_DENY_DIGEST:
			if (!parse_hex(optarg, digest, sizeof(digest), &len) ||
			    hostsig_trust_deny_digest(a->trust, digest, len) < 0)
				return usage(optarg, ": not a SHA-1/256/384/512 digest in hex");
			break;
		case OPT_ALLOW_SHA1:
			hostsig_trust_allow_sha1(a->trust, true);
			break;
		case OPT_REQUIRE_CODE_SIGNING:
			hostsig_trust_require_code_signing(a->trust, true);
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_LOADED:
			a->loaded = optarg;
			break;
		case OPT_BASE:
			if (!parse_address(optarg, &a->base))
				return usage(optarg, ": --base is not an address");
			a->has_base = true;
			break;
		case OPT_IMAGE_BASE:
			if (!parse_address(optarg, &a->image_base))
				return usage(optarg, ": --image-base is not an address");
			a->has_image_base = true;
			break;
		case OPT_DECLARED_BASE:
			if (!parse_address(optarg, &a->declared_base))
				return usage(optarg, ": --declared-base is not an address");
			a->has_declared_base = true;
			break;
		case OPT_SIGNATURE:
			a->signature = optarg;
			break;
		case OPT_TAIL:
			a->tail = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "pe"))
				a->format = FORMAT_PE;
			else if (!strcmp(optarg, "elf-module"))
				a->format = FORMAT_ELF_MODULE;
			else
				return usage(optarg, ": --format is pe or elf-module");
			break;
		case OPT_CAPTURE:
			a->capture = optarg;
			break;
		case OPT_EXTRACT_CERTS:
			a->extract_certs = optarg;
			break;
		case OPT_LOAD_VERIFIED:
			a->load_verified = true;
			break;
		case OPT_LOAD_FACTS:
			if (!parse_hex(optarg, a->load_facts, sizeof(a->load_facts), &len) ||
			    len != sizeof(a->load_facts))
				return usage(optarg, ": --load-facts is 32 bytes in hex");
			a->has_load_facts = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage(NULL, NULL);
		}
	}
	if (a->load_verified && !a->capture)
		return usage("--load-verified goes with --capture", "");
	if (a->has_load_facts && !a->load_verified)
		return usage("--load-facts goes with --load-verified", "");
	if (a->extract_certs) {
		if (a->loaded || a->capture || optind + 1 != argc)
			return usage("--extract-certs takes VMLINUZ DIR and nothing else", "");
		a->certs_dir = argv[optind];
		return 0;
	}
	if (a->capture) {
		if (a->loaded || optind != argc)
			return usage("--capture excludes FILE and --loaded", "");
		if (a->format == FORMAT_PE)
			return usage("--capture is for kernel modules (elf-module)", "");
		if (a->has_base || a->has_image_base || a->has_declared_base || a->signature ||
		    a->tail)
			return usage("--base, --image-base, --declared-base, --signature and --tail go with --loaded", "");
		return 0;
	}
	if (a->loaded) {
		if (optind != argc)
			return usage(argv[optind], ": FILE and --loaded exclude each other");
		if (a->format == FORMAT_ELF_MODULE)
			return usage("--loaded is for PE images; a module load is --capture", "");
		if (!a->has_base)
			return usage("--loaded needs --base", "");
		return 0;
	}
	if (a->has_base || a->has_image_base || a->has_declared_base || a->signature || a->tail)
		return usage("--base, --image-base, --declared-base, --signature and --tail go with --loaded", "");
	if (optind + 1 != argc)
		return usage("expected one FILE", "");
	a->file = argv[optind];
	return 0;
}

static int read_or_complain(struct input *in, const char *path)
{
	if (!input_read(in, path))
		return 0;
	fprintf(stderr, "hostsig-verify: %s: %s\n", path, strerror(errno));
	return EXIT_NOINPUT;
}

static int verify_loaded(const struct args *a, struct hostsig_result *res)
{
	struct input image, sig = { 0 }, tail = { 0 };
	struct hostsig_pe_loaded loaded;
	int ret;

	if ((ret = read_or_complain(&image, a->loaded)))
		return ret;
	if (a->signature && (ret = read_or_complain(&sig, a->signature)))
		goto out_image;
	if (a->tail && (ret = read_or_complain(&tail, a->tail)))
		goto out_sig;
	loaded = (struct hostsig_pe_loaded){
		.image = image.data,
		.image_len = image.len,
		.load_base = a->base,
		.image_base = a->image_base,
		.has_image_base = a->has_image_base,
		.declared_base = a->declared_base,
		.has_declared_base = a->has_declared_base,
		.cert_table = a->signature ? sig.data : NULL,
		.cert_table_len = sig.len,
		.tail = tail.data,
		.tail_len = tail.len,
	};
	hostsig_verify_pe_loaded(a->trust, &loaded, res);
	if (a->tail)
		input_release(&tail);
out_sig:
	if (a->signature)
		input_release(&sig);
out_image:
	input_release(&image);
	return ret;
}

static int verify_file(const struct args *a, struct hostsig_result *res)
{
	struct input file;
	bool elf;
	int ret;

	if ((ret = read_or_complain(&file, a->file)))
		return ret;
	elf = a->format == FORMAT_ELF_MODULE ||
	      (a->format == FORMAT_AUTO && file.len >= 4 && !memcmp(file.data, "\177ELF", 4));
	if (elf)
		hostsig_verify_elf_file(a->trust, file.data, file.len, res);
	else
		hostsig_verify_pe_file(a->trust, file.data, file.len, res);
	input_release(&file);
	return 0;
}

static int verify_capture(const struct args *a, struct capture *cap,
			  struct hostsig_elf_loaded *loaded, struct hostsig_result *res,
			  struct hostsig_elf_report *elf)
{
	int ret = capture_read(cap, a->capture);

	if (ret)
		return ret;
	capture_loaded(cap, loaded);
	loaded->load_verified = a->load_verified;
	loaded->load_facts = a->has_load_facts ? a->load_facts : NULL;
	hostsig_verify_elf_loaded(a->trust, loaded, res, elf);
	return 0;
}

int main(int argc, char **argv)
{
	struct args args = { 0 };
	struct hostsig_elf_report elf = { 0 };
	struct hostsig_elf_loaded loaded;
	struct capture cap = { 0 };
	struct hostsig_result res;
	struct report rep;
	int ret;

	args.trust = hostsig_trust_new();
	if (!args.trust) {
		fprintf(stderr, "hostsig-verify: cannot set up OpenSSL\n");
		return 2;
	}
	ret = parse_args(argc, argv, &args);
	if (ret)
		goto out;
	if (args.extract_certs) {
		ret = extract_certs(args.extract_certs, args.certs_dir, args.json);
		goto out;
	}
	rep = (struct report){
		.path = args.capture ? args.capture : args.loaded ? args.loaded : args.file,
		.loaded = args.loaded || args.capture,
		.load_base = args.base,
		.elf = args.capture ? &elf : NULL,
		.elf_in = args.capture ? &loaded : NULL,
	};
	if (args.capture)
		ret = verify_capture(&args, &cap, &loaded, &res, &elf);
	else if (args.loaded)
		ret = verify_loaded(&args, &res);
	else
		ret = verify_file(&args, &res);
	if (ret)
		goto out;
	if (args.json)
		print_json(stdout, &rep, &res);
	else
		print_text(stdout, &rep, &res);
	switch (res.verdict) {
	case HOSTSIG_AUTHENTIC:
		ret = 0;
		break;
	case HOSTSIG_NOT_AUTHENTIC:
		ret = 1;
		break;
	case HOSTSIG_UNKNOWN:
	default:
		ret = 2;
		break;
	}
	hostsig_result_release(&res);
	hostsig_elf_report_release(&elf);
	capture_release(&cap);
	if (fflush(stdout)) {
		fprintf(stderr, "hostsig-verify: write error: %s\n", strerror(errno));
		ret = 2;
	}
out:
	hostsig_trust_free(args.trust);
	return ret;
}
