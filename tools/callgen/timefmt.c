/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET_S UINT64_C(2208988800)

static bool read_digits(const char **p, int count, int *value)
{
	*value = 0;
	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*value = *value * 10 + ((*p)[i] - '0');
	}
	*p += count;
	return true;
}

static bool expect_char(const char **p, char c)
{
	if (**p != c && !(c == 'T' && **p == 't'))
		return false;
	(*p)++;
	return true;
}

/* Reads ".ffffff" into microseconds; more than 6 digits is rejected. */
static bool read_fraction(const char **p, int64_t *us)
{
	int64_t scale = 100000;
	int digits = 0;

	*us = 0;
	if (**p != '.')
		return true;
	(*p)++;
	while (isdigit((unsigned char)**p)) {
		if (++digits > 6)
			return false;
		*us += (**p - '0') * scale;
		scale /= 10;
		(*p)++;
	}
	return digits > 0;
}

/* Reads "Z" or "+hh:mm" / "-hh:mm" into seconds east of UTC. */
static bool read_offset(const char **p, int64_t *offset_s)
{
	int hours, minutes, sign;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*offset_s = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!read_digits(p, 2, &hours) || !expect_char(p, ':') ||
	    !read_digits(p, 2, &minutes) || hours > 23 || minutes > 59)
		return false;
	*offset_s = sign * (hours * 3600 + minutes * 60);
	return true;
}

bool cg_time_parse(const char *text, int64_t *unix_us)
{
	const char *p = text;
	int year, month, day, hour, minute, second;
	int64_t fraction_us, offset_s;
	struct tm tm;

	if (!read_digits(&p, 4, &year) || !expect_char(&p, '-') ||
	    !read_digits(&p, 2, &month) || !expect_char(&p, '-') ||
	    !read_digits(&p, 2, &day) || !expect_char(&p, 'T') ||
	    !read_digits(&p, 2, &hour) || !expect_char(&p, ':') ||
	    !read_digits(&p, 2, &minute) || !expect_char(&p, ':') ||
	    !read_digits(&p, 2, &second) || !read_fraction(&p, &fraction_us) ||
	    !read_offset(&p, &offset_s) || *p != '\0')
		return false;
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 ||
	    hour > 23 || minute > 59 || second > 60)
		return false;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	*unix_us = ((int64_t)timegm(&tm) - offset_s) * CG_US_PER_S + fraction_us;
	return true;
}

void cg_time_format(int64_t unix_us, char out[CG_TIME_TEXT_MAX])
{
	time_t seconds = (time_t)(unix_us / CG_US_PER_S);
	long fraction = (long)(unix_us % CG_US_PER_S);
	struct tm tm;

	if (fraction < 0) {
		fraction += CG_US_PER_S;
		seconds--;
	}
	gmtime_r(&seconds, &tm);
	snprintf(out, CG_TIME_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
		 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, fraction % 1000000);
}

uint64_t cg_time_to_ntp64(int64_t unix_us)
{
	uint64_t seconds = (uint64_t)(unix_us / CG_US_PER_S) + NTP_UNIX_OFFSET_S;
	uint64_t fraction = ((uint64_t)(unix_us % CG_US_PER_S) << 32) / CG_US_PER_S;

	/* Seconds wrap modulo 2^32 into NTP era 1 after 2036, as RFC 5905 does. */
	return (seconds << 32) | fraction;
}
