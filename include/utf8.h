/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8: what is well-formed UTF-8, for the writers that escape what is not
 * (JSON, key=value) and the validator that refuses it (free text).
 */
#ifndef BUNRI_UTF8_H
#define BUNRI_UTF8_H

#include <stddef.h>

/*
 * Length of the well-formed UTF-8 sequence at @s (1 to 4), or 0 when the
 * byte at @s does not start one (stray continuation byte, overlong form,
 * surrogate, beyond U+10FFFF, or cut short). The NUL terminator is never a
 * continuation byte, so this cannot read past the string.
 */
size_t utf8_seq_len(const unsigned char *s);

#endif
