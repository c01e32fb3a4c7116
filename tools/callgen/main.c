/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

/* NOTE: lime-callgen is a placeholder until its implementation lands. */
int main(int argc, char **argv)
{
	fprintf(stderr, "lime-callgen: not implemented in this version of lime\n");
	return 2;
}
