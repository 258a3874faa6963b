// SPDX-License-Identifier: GPL-2.0
/*
 * pvipi-sim: replay cpumask sends from a file against a topology file and
 * the host model, and report hypercalls and delivery per send.
 *
 *   pvipi-sim --topology FILE --masks FILE [--packer ours|upstream]
 *             [--width 128|192]
 *
 * Exit 0 when every send delivered exactly to its CPUs, 1 when one did
 * not, 2 on bad options or input (reported as FILE:LINE: reason).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvipi_pack.h"
#include "topo.h"

#define MAX_LINE 65536

static void usage(void)
{
	fprintf(stderr,
		"usage: pvipi-sim --topology FILE --masks FILE [--packer ours|upstream] [--width 128|192]\n");
	exit(2);
}

static void __attribute__((format(printf, 3, 4)))
die(const char *file, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static FILE *open_or_die(const char *file)
{
	FILE *f = fopen(file, "r");

	if (!f)
		die(file, 0, "cannot open: %s", strerror(errno));
	return f;
}

/* Strip comment and surrounding blanks; NULL for an empty line. */
static char *clean(char *s, const char *file, unsigned int line)
{
	char *hash = strchr(s, '#'), *end;
	size_t len = strlen(s);

	if (len && s[len - 1] != '\n' && len == MAX_LINE - 1)
		die(file, line, "line too long");
	if (hash)
		*hash = 0;
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return *s ? s : NULL;
}

/* Decimal or 0x hex, the whole token, fitting in @max. */
static int parse_num(const char *tok, unsigned long max, unsigned long *v)
{
	int base = 10;
	char *end;

	if (tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
		base = 16;
		tok += 2;
	}
	if (!isxdigit((unsigned char)*tok))
		return -1;
	errno = 0;
	*v = strtoul(tok, &end, base);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

static struct topo *read_topology(const char *file)
{
	static char buf[MAX_LINE];
	unsigned int line = 0, c, nr = 0, count = 0, i, j;
	unsigned long (*pairs)[2] = NULL;
	struct topo *t;
	FILE *f = open_or_die(file);

	while (fgets(buf, sizeof(buf), f)) {
		char *s = clean(buf, file, ++line), *a, *b, *extra;
		unsigned long cpu, id;

		if (!s)
			continue;
		a = strtok(s, " \t");
		b = strtok(NULL, " \t");
		extra = strtok(NULL, " \t");
		if (!b || extra)
			die(file, line, "expected 'CPU APICID'");
		if (parse_num(a, TOPO_MAX_CPUS - 1, &cpu))
			die(file, line, "bad CPU number '%s'", a);
		if (parse_num(b, 0xfffffffeul, &id))
			die(file, line, "bad APIC ID '%s'", b);
		pairs = realloc(pairs, (count + 1) * sizeof(*pairs));
		if (!pairs)
			abort();
		for (i = 0; i < count; i++) {
			if (pairs[i][0] == cpu)
				die(file, line, "duplicate CPU %lu", cpu);
			if (pairs[i][1] == id)
				die(file, line, "duplicate APIC ID %lu", id);
		}
		pairs[count][0] = cpu;
		pairs[count][1] = id;
		count++;
		if (cpu + 1 > nr)
			nr = cpu + 1;
	}
	fclose(f);
	if (!count)
		die(file, line, "no CPUs");
	t = topo_new(file, nr);
	for (j = 0; j < count; j++) {
		c = pairs[j][0];
		t->apicid[c] = pairs[j][1];
	}
	free(pairs);
	return t;
}

int main(int argc, char **argv)
{
	const char *topo_file = NULL, *mask_file = NULL;
	unsigned int width = PVIPI_WIDTH_128, line = 0, passed = 0, failed = 0;
	enum packer packer = PACKER_OURS;
	static char buf[MAX_LINE];
	struct pvipi_map map;
	struct host_model h;
	struct topo *t;
	u32 *storage;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			usage();
		if (!strcmp(opt, "--topology"))
			topo_file = val;
		else if (!strcmp(opt, "--masks"))
			mask_file = val;
		else if (!strcmp(opt, "--packer") && !strcmp(val, "ours"))
			packer = PACKER_OURS;
		else if (!strcmp(opt, "--packer") && !strcmp(val, "upstream"))
			packer = PACKER_UPSTREAM;
		else if (!strcmp(opt, "--width") && !strcmp(val, "128"))
			width = PVIPI_WIDTH_128;
		else if (!strcmp(opt, "--width") && !strcmp(val, "192"))
			width = PVIPI_WIDTH_192;
		else
			usage();
		i++;
	}
	if (!topo_file || !mask_file)
		usage();
	if (packer == PACKER_UPSTREAM && width != PVIPI_WIDTH_128) {
		fprintf(stderr, "pvipi-sim: --width 192 needs --packer ours\n");
		return 2;
	}

	t = read_topology(topo_file);
	storage = malloc(pvipi_map_words(t->nr_cpus) * sizeof(u32));
	if (!storage || host_init(&h, t->apicid, t->nr_cpus))
		abort();
	if (pvipi_map_build(&map, storage, t->apicid, t->nr_cpus))
		die(topo_file, 0, "duplicate APIC ID");

	f = open_or_die(mask_file);
	printf("mask\thypercalls\tdelivered_ok\n");
	while (fgets(buf, sizeof(buf), f)) {
		char *s = clean(buf, mask_file, ++line), *list, *abs, *text;
		unsigned long *m = mask_new(t->nr_cpus);
		struct send_result r;
		const char *why;
		unsigned long self;
		int exclude = -1;
		unsigned int c;

		if (!s) {
			free(m);
			continue;
		}
		text = strdup(s);
		if (!text)
			abort();
		list = strtok(s, " \t");
		abs = strtok(NULL, " \t");
		if (abs) {
			if (strncmp(abs, "allbutself=", 11) ||
			    parse_num(abs + 11, TOPO_MAX_CPUS - 1, &self))
				die(mask_file, line, "expected 'allbutself=CPU'");
			if (self >= t->nr_cpus || t->apicid[self] == NO_APIC)
				die(mask_file, line, "unknown CPU %lu", self);
			exclude = self;
			if (strtok(NULL, " \t"))
				die(mask_file, line, "trailing text");
		}
		if (cpulist_parse(list, m, t->nr_cpus, &why))
			die(mask_file, line, "%s", why);
		for (c = 0; c < t->nr_cpus; c++)
			if (mask_test(m, c) && t->apicid[c] == NO_APIC)
				die(mask_file, line, "unknown CPU %u", c);

		send_mask(t, &map, &h, packer, width, m, exclude, &r);
		if (!r.windows_ok || !r.scratch_ok)
			r.delivered_ok = false;
		printf("%s\t%u\t%d\n", text, r.hypercalls, r.delivered_ok);
		free(text);
		if (r.delivered_ok)
			passed++;
		else
			failed++;
		free(m);
	}
	fclose(f);
	printf("%u passed, %u failed\n", passed, failed);
	host_free(&h);
	free(storage);
	topo_free(t);
	return failed ? 1 : 0;
}
