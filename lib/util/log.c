/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum lime_log_level log_level = LIME_LOG_INFO;
static const char *program_name = "lime";

static const char *const level_names[] = {
	[LIME_LOG_ERR] = "error",
	[LIME_LOG_WARNING] = "warning",
	[LIME_LOG_NOTICE] = "notice",
	[LIME_LOG_INFO] = "info",
	[LIME_LOG_DEBUG] = "debug",
};

void lime_log_set_program(const char *name)
{
	program_name = name;
}

void lime_log_set_level(enum lime_log_level level)
{
	log_level = level;
}

enum lime_log_level lime_log_get_level(void)
{
	return log_level;
}

void lime_log(enum lime_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;

	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);

	/* Build the line first so that concurrent writers do not interleave. */
	char line[1024];
	int n = snprintf(line, sizeof(line),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 now.tv_nsec / 1000000, program_name, level_names[level]);

	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);

	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
}
