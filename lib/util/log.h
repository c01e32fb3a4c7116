/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_UTIL_LOG_H
#define LIME_UTIL_LOG_H

/*
 * One-line log messages with syslog severities. Messages go to stderr with
 * a UTC timestamp, which journald captures when lime runs as a service.
 * Callers never pass key material.
 */

enum lime_log_level {
	LIME_LOG_ERR = 3,
	LIME_LOG_WARNING = 4,
	LIME_LOG_NOTICE = 5,
	LIME_LOG_INFO = 6,
	LIME_LOG_DEBUG = 7,
};

/* Name each line starts with after the time; "lime" unless set. The
 * string must outlive all logging. */
void lime_log_set_program(const char *name);
void lime_log_set_level(enum lime_log_level level);
/*
 * Sets the level from its name: error, warning, notice, info or debug.
 * Returns 0, or -1 for another name (the level is then unchanged).
 */
int lime_log_set_level_name(const char *name);
/*
 * Lines one message format may log per 10 seconds before further ones are
 * only counted (20 by default); 0 logs every line, for programs whose log
 * is an audit trail such as lime-kms.
 */
void lime_log_set_repeat_burst(unsigned burst);
enum lime_log_level lime_log_get_level(void);

void lime_log(enum lime_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As lime_log, without the repeat limit: for lines that form an audit
 * trail, where every line must reach the log. */
void lime_log_unlimited(enum lime_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG_ERR(...) lime_log(LIME_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...) lime_log(LIME_LOG_WARNING, __VA_ARGS__)
#define LOG_NOTICE(...) lime_log(LIME_LOG_NOTICE, __VA_ARGS__)
#define LOG_INFO(...) lime_log(LIME_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) lime_log(LIME_LOG_DEBUG, __VA_ARGS__)

#endif
