// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapfile: classic pcap files written byte by byte in each byte order and
 * resolution, read back here and through libpcap, which must agree record
 * for record; files cut at every byte, oversized records, and files that
 * are not classic pcap (left to libpcap).
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapfile.h"
#include "unit.h"

/* A capture file under construction. */
struct file {
	uint8_t b[8192];
	size_t n;
	bool swapped;
};

/* Checked without an assertion per call: each passed ck_assert() is a
 * message to the test runner, and files are built a byte at a time. */
static void put(struct file *f, const void *p, size_t len)
{
	if (f->n + len > sizeof(f->b))
		ck_abort_msg("test file larger than %zu bytes", sizeof(f->b));
	memcpy(f->b + f->n, p, len);
	f->n += len;
}

static void put32(struct file *f, uint32_t v)
{
	if (f->swapped)
		v = __builtin_bswap32(v);
	put(f, &v, 4);
}

static void put16(struct file *f, uint16_t v)
{
	if (f->swapped)
		v = __builtin_bswap16(v);
	put(f, &v, 2);
}

static void file_header(struct file *f, uint32_t magic, uint32_t linktype)
{
	put32(f, magic);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, linktype);
}

static void record(struct file *f, uint32_t sec, uint32_t frac,
		   uint32_t caplen, uint32_t len)
{
	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	uint8_t data[4096];

	if (caplen > sizeof(data))
		ck_abort_msg("record of %u bytes", caplen);
	for (uint32_t i = 0; i < caplen; i++)
		data[i] = (uint8_t)(i * 7 + caplen);
	put(f, data, caplen);
}

/* Three records of different sizes, one of them empty. */
static void sample(struct file *f, uint32_t magic, bool swapped)
{
	memset(f, 0, sizeof(*f));
	f->swapped = swapped;
	file_header(f, magic, 1);
	record(f, 1700000000, 123456, 60, 60);
	record(f, 1700000001, 999999, 0, 1514);
	record(f, 1700000002, 5, 200, 9000);
}

static char *write_file(const struct file *f, size_t len)
{
	char *path = strdup("/tmp/bunri-pcapfile.XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, f->b, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Every record of @path, here and through libpcap, alike; the count. */
static int agree(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pcapfile_rec r;
	bool other;
	int n = 0, rc;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
	    path, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcapfile *f = pcapfile_open(path, &other, err, sizeof(err));

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pcapfile_linktype(f), pcap_datalink(p));
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		ck_assert_int_eq(pcapfile_next(f, &r), 1);
		ck_assert_int_eq(r.ts.tv_sec, h->ts.tv_sec);
		ck_assert_int_eq(r.ts.tv_nsec, h->ts.tv_usec); /* nanoseconds */
		ck_assert_uint_eq(r.caplen, h->caplen);
		ck_assert_uint_eq(r.len, h->len);
		ck_assert_int_eq(memcmp(r.data, data, r.caplen), 0);
		n++;
	}
	ck_assert_int_eq(rc, PCAP_ERROR_BREAK);
	ck_assert_int_eq(pcapfile_next(f, &r), 0);
	ck_assert_int_eq(pcapfile_next(f, &r), 0); /* and stays there */
	pcap_close(p);
	pcapfile_close(f);
	return n;
}

START_TEST(test_orders_and_resolutions)
{
	static const uint32_t magics[] = {0xa1b2c3d4, 0xa1b23c4d};
	struct file f;

	for (int m = 0; m < 2; m++) {
		for (int swapped = 0; swapped < 2; swapped++) {
			sample(&f, magics[m], swapped);
			char *path = write_file(&f, f.n);

			ck_assert_int_eq(agree(path), 3);
			unlink(path);
			free(path);
		}
	}
}
END_TEST

START_TEST(test_fcs_bits_off_the_link_type)
{
	struct file f = {.n = 0};
	bool other;
	char err[256];

	file_header(&f, 0xa1b2c3d4, 0x14000000u | 1);
	char *path = write_file(&f, f.n);
	struct pcapfile *pf = pcapfile_open(path, &other, err, sizeof(err));

	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(pcapfile_linktype(pf), 1);
	pcapfile_close(pf);
	unlink(path);
	free(path);
}
END_TEST

/*
 * Cut after every byte: a cut inside the file header leaves the file to
 * libpcap; a cut on a record boundary ends cleanly; any other cut gives
 * the records before it, then an error naming the cut record's offset.
 */
START_TEST(test_cut_anywhere)
{
	static const size_t bounds[] = {24, 24 + 16 + 60, 24 + 16 + 60 + 16,
					24 + 16 + 60 + 16 + 16 + 200};
	struct file f;

	sample(&f, 0xa1b2c3d4, false);
	ck_assert_uint_eq(f.n, bounds[3]);
	for (size_t cut = 0; cut < f.n; cut++) {
		char *path = write_file(&f, cut);
		struct pcapfile_rec r;
		char err[256];
		bool other;
		struct pcapfile *pf =
		    pcapfile_open(path, &other, err, sizeof(err));
		int whole = 0, rc;

		if (cut < 24) {
			ck_assert_ptr_null(pf);
			ck_assert(other);
			unlink(path);
			free(path);
			continue;
		}
		ck_assert_ptr_nonnull(pf);
		for (int i = 1; i < 4; i++)
			if (cut >= bounds[i])
				whole = i;
		for (int i = 0; i < whole; i++)
			ck_assert_int_eq(pcapfile_next(pf, &r), 1);
		rc = pcapfile_next(pf, &r);
		if (cut == bounds[whole]) {
			ck_assert_int_eq(rc, 0);
		} else {
			char want[32];

			ck_assert_int_eq(rc, -1);
			snprintf(want, sizeof(want), "byte %zu ", bounds[whole]);
			ck_assert_msg(strstr(pcapfile_error(pf), want),
				      "cut %zu: %s", cut, pcapfile_error(pf));
			ck_assert_ptr_nonnull(strstr(pcapfile_error(pf), "cut"));
			ck_assert_int_eq(pcapfile_next(pf, &r), -1);
		}
		pcapfile_close(pf);
		unlink(path);
		free(path);
	}
}
END_TEST

START_TEST(test_oversized_record)
{
	struct file f = {.n = 0};
	struct pcapfile_rec r;
	char err[256];
	bool other;

	file_header(&f, 0xa1b2c3d4, 1);
	put32(&f, 1);
	put32(&f, 0);
	put32(&f, PCAPFILE_MAX_CAPLEN + 1);
	put32(&f, 100);
	char *path = write_file(&f, f.n);
	struct pcapfile *pf = pcapfile_open(path, &other, err, sizeof(err));

	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(pcapfile_next(pf, &r), -1);
	ck_assert_ptr_nonnull(strstr(pcapfile_error(pf), "byte 24"));
	ck_assert_ptr_nonnull(strstr(pcapfile_error(pf), "maximum"));
	pcapfile_close(pf);
	unlink(path);
	free(path);
}
END_TEST

/* Records larger than what is left of a block, across many blocks. */
START_TEST(test_many_blocks)
{
	struct file f = {.n = 0};
	char *path;
	FILE *fp;

	file_header(&f, 0xa1b2c3d4, 1);
	path = write_file(&f, f.n);
	fp = fopen(path, "ab");
	ck_assert_ptr_nonnull(fp);
	for (uint32_t i = 0; i < 3000; i++) {
		struct file rec = {.n = 0};

		record(&rec, i, i, (i * 37) % 4000 + 1, 4000);
		ck_assert_uint_eq(fwrite(rec.b, 1, rec.n, fp), rec.n);
	}
	fclose(fp);
	ck_assert_int_eq(agree(path), 3000);
	unlink(path);
	free(path);
}
END_TEST

/* Is the first @len bytes of @f a file pcapfile leaves to libpcap? */
static bool left_to_libpcap(const struct file *f, size_t len)
{
	char *path = write_file(f, len);
	char err[256];
	bool other = false;
	struct pcapfile *pf = pcapfile_open(path, &other, err, sizeof(err));

	pcapfile_close(pf);
	unlink(path);
	free(path);
	return !pf && other;
}

/* Classic pcap's header of version @major.@minor, then 16 bytes. */
static void versioned(struct file *f, uint16_t major, uint16_t minor)
{
	static const uint8_t rest[16];

	memset(f, 0, sizeof(*f));
	put32(f, 0xa1b2c3d4);
	put16(f, major);
	put16(f, minor);
	put(f, rest, sizeof(rest));
}

/* pcapng, other versions, an empty file, no capture: libpcap's to say. */
START_TEST(test_not_classic)
{
	static const uint8_t pcapng[24] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0,
					   0x4d, 0x3c, 0x2b, 0x1a};
	struct file f = {.n = 0};
	char err[256];
	bool other;

	put(&f, pcapng, sizeof(pcapng));
	ck_assert(left_to_libpcap(&f, f.n));
	ck_assert(left_to_libpcap(&f, 0));
	versioned(&f, 1, 0);
	ck_assert(left_to_libpcap(&f, f.n));
	/* 2.3 and before may hold caplen and len the other way round. */
	versioned(&f, 2, 3);
	ck_assert(left_to_libpcap(&f, f.n));
	versioned(&f, 2, 4);
	ck_assert(!left_to_libpcap(&f, f.n));
	ck_assert(left_to_libpcap(&f, f.n - 1)); /* a header cut short */

	ck_assert_ptr_null(pcapfile_open("/nonexistent/bunri.pcap", &other,
					 err, sizeof(err)));
	ck_assert(!other);
	ck_assert_str_eq(err, "No such file or directory");
}
END_TEST

static Suite *pcapfile_suite(void)
{
	Suite *s = suite_create("pcapfile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_orders_and_resolutions);
	tcase_add_test(tc, test_fcs_bits_off_the_link_type);
	tcase_add_test(tc, test_cut_anywhere);
	tcase_add_test(tc, test_oversized_record);
	tcase_add_test(tc, test_many_blocks);
	tcase_add_test(tc, test_not_classic);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pcapfile_suite)
