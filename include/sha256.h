/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sha256: the digest of the configuration file, shown by `bunrictl status`
 * and compared periodically so that a file changed on disk without a reload
 * is noticed (config-changed): the policies ask that settings files be
 * checked for tampering, so the digest is a cryptographic one.
 */
#ifndef BUNRI_SHA256_H
#define BUNRI_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX (2 * SHA256_LEN + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);

/* Digest of the file at @path as lowercase hex. Returns 0 or -1 (errno). */
int sha256_file_hex(const char *path, char out[SHA256_HEX]);

#endif
