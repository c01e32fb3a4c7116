/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/srtp_check.h"

#include <link.h>
#include <stdio.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "dataplane/srtp_session.h"


/* An NSS-backed libsrtp2 brings libnss3 into the process. */
static int find_nss(struct dl_phdr_info *info, size_t size, void *found)
{
	if (info->dlpi_name != NULL && strstr(info->dlpi_name, "libnss3") != NULL) {
		*(int *)found = 1;
		return 1;
	}
	return 0;
}

int srtp_backend_check(char *err, size_t err_len)
{
	int nss = 0;

	dl_iterate_phdr(find_nss, &nss);
	if (nss) {
		snprintf(err, err_len,
			 "libsrtp2 (%s) is the NSS build, which is too slow for line rate: run deploy/install-deps.sh and rebuild lime against the OpenSSL build it installs",
			 srtp_get_version_string());
		return -1;
	}

	if (srtp_library_init() != 0) {
		snprintf(err, err_len, "libsrtp2 initialisation failed");
		return -1;
	}
	return 0;
}
