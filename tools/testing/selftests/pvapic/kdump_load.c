// SPDX-License-Identifier: GPL-2.0
/*
 * kdump_load: load a capture kernel with kexec_file_load(), without an
 * initramfs, for the pvapic rig's crash test (tools/pvapic/guest/kdump.sh).
 *
 *   kdump_load BZIMAGE CMDLINE
 *
 * Exits 0 when the kernel took the image, 1 with the reason otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>

int main(int argc, char **argv)
{
	long ret;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s BZIMAGE CMDLINE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 1;
	}
	ret = syscall(__NR_kexec_file_load, fd, -1, strlen(argv[2]) + 1,
		      argv[2], KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS);
	if (ret) {
		fprintf(stderr, "%s: kexec_file_load: %s\n", argv[0],
			strerror(errno));
		return 1;
	}
	return 0;
}
