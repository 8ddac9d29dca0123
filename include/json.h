/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json: the few pieces of JSON writing bunri needs, to a FILE (strings
 * escaped so that any bytes, also invalid UTF-8, give valid JSON).
 */
#ifndef BUNRI_JSON_H
#define BUNRI_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Write @s as a JSON string, quotes included. NULL writes null. */
void json_string(FILE *f, const char *s);
/* Write "key": followed by the string value; @comma prefixes a ','. */
void json_kv_str(FILE *f, int comma, const char *key, const char *value);
void json_kv_u64(FILE *f, int comma, const char *key, uint64_t value);
void json_kv_bool(FILE *f, int comma, const char *key, int value);

#endif
