/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json: the few pieces of JSON writing bunri needs, to a FILE (strings
 * escaped so that any bytes, also invalid UTF-8, give valid JSON).
 */
#ifndef BUNRI_JSON_H
#define BUNRI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write @s as a JSON string, quotes included. NULL writes null. */
void json_string(FILE *f, const char *s);
/*
 * The same text as json_string() writes, into @buf: as much of it as fits
 * in @len bytes, without a terminator (@buf may be NULL when @len is 0).
 * Returns the length of the whole text, so a value above @len says it was
 * cut short; what was stored is then its first @len bytes.
 */
size_t json_string_format(char *buf, size_t len, const char *s);
/* Write "key": followed by the string value; @comma prefixes a ','. */
void json_kv_str(FILE *f, int comma, const char *key, const char *value);
void json_kv_u64(FILE *f, int comma, const char *key, uint64_t value);
void json_kv_bool(FILE *f, int comma, const char *key, int value);

#endif
