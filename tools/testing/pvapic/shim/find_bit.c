// SPDX-License-Identifier: GPL-2.0
/* Userspace find_next_bit(), a word-at-a-time scan like lib/find_bit.c. */
#include <linux/bitmap.h>

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset)
{
	unsigned long idx, word;

	if (offset >= size)
		return size;
	idx = offset / BITS_PER_LONG;
	word = addr[idx] & BITMAP_FIRST_WORD_MASK(offset);
	while (!word) {
		if (++idx * BITS_PER_LONG >= size)
			return size;
		word = addr[idx];
	}
	offset = idx * BITS_PER_LONG + __ffs(word);
	return offset < size ? offset : size;
}
