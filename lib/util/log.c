/* SPDX-License-Identifier: BSD-3-Clause */
#include "lib/util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Lines per message format and window before repeats are only counted. */
#define REPEAT_BURST 20
#define REPEAT_WINDOW_S 10
#define REPEAT_SLOTS 64

/* Repeats of one message format (one call site) in the current window. */
struct repeat_slot {
	const char *fmt;
	time_t window_start;
	uint32_t count;
	uint32_t suppressed;
};

static struct repeat_slot repeat_slots[REPEAT_SLOTS];
static unsigned repeat_burst = REPEAT_BURST;
static pthread_mutex_t repeat_lock = PTHREAD_MUTEX_INITIALIZER;

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

void lime_log_set_repeat_burst(unsigned burst)
{
	repeat_burst = burst;
}

int lime_log_set_level_name(const char *name)
{
	for (int level = LIME_LOG_ERR; level <= LIME_LOG_DEBUG; level++) {
		if (strcmp(name, level_names[level]) == 0) {
			log_level = (enum lime_log_level)level;
			return 0;
		}
	}
	return -1;
}

enum lime_log_level lime_log_get_level(void)
{
	return log_level;
}

/*
 * Under systemd, stderr goes to the journal, which stamps each line itself
 * and reads its priority from a "<N>" prefix (sd-daemon(3)).
 */
static bool to_journal(void)
{
	static int cached = -1;

	if (cached < 0)
		cached = getenv("JOURNAL_STREAM") != NULL;
	return cached;
}

static int line_prefix(char *line, size_t cap, enum lime_log_level level,
		       const struct timespec *now)
{
	struct tm tm;

	if (to_journal())
		return snprintf(line, cap, "<%d>%s: ", (int)level, level_names[level]);
	gmtime_r(&now->tv_sec, &tm);
	return snprintf(line, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec,
			now->tv_nsec / 1000000, program_name, level_names[level]);
}

static void write_line(enum lime_log_level level, const struct timespec *now,
		       const char *fmt, va_list ap)
{
	/* Build the line first so that concurrent writers do not interleave. */
	char line[1024];
	int n = line_prefix(line, sizeof(line), level, now);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);

	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
}

static void write_fixed(enum lime_log_level level, const struct timespec *now,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(level, now, fmt, ap);
	va_end(ap);
}

/*
 * Counts repeats of fmt and returns false when this one is over the burst.
 * When a window with suppressed lines ends, reports how many there were.
 */
static bool repeat_allowed(const char *fmt, enum lime_log_level level,
			   const struct timespec *now)
{
	struct repeat_slot *slot = &repeat_slots[((uintptr_t)fmt >> 3) % REPEAT_SLOTS];
	uint32_t suppressed = 0;
	bool allowed;

	pthread_mutex_lock(&repeat_lock);
	if (slot->fmt != fmt || now->tv_sec - slot->window_start >= REPEAT_WINDOW_S) {
		if (slot->fmt == fmt)
			suppressed = slot->suppressed;
		slot->fmt = fmt;
		slot->window_start = now->tv_sec;
		slot->count = 0;
		slot->suppressed = 0;
	}
	allowed = repeat_burst == 0 || ++slot->count <= repeat_burst;
	if (!allowed)
		slot->suppressed++;
	pthread_mutex_unlock(&repeat_lock);

	if (suppressed > 0)
		write_fixed(level, now, "%u more lines like \"%.60s\" were suppressed in %d s",
			    suppressed, fmt, REPEAT_WINDOW_S);
	return allowed;
}

void lime_log(enum lime_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;

	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (repeat_burst != 0 && !repeat_allowed(fmt, level, &now))
		return;

	va_list ap;
	va_start(ap, fmt);
	write_line(level, &now, fmt, ap);
	va_end(ap);
}

void lime_log_unlimited(enum lime_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;

	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);

	va_list ap;
	va_start(ap, fmt);
	write_line(level, &now, fmt, ap);
	va_end(ap);
}
