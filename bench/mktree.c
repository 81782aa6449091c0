/* Fixture builder for the benchmarks: creates <root>/d0..d<dirs-1>, each
 * holding <files> empty regular files f0..f<files-1> (with dirs = 0 the
 * files go straight into <root>). mknodat avoids an open/close per file.
 * Usage: mktree <root> <dirs> <files>   (root must not exist) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fill(int dfd, long files) {
  char name[32];
  for (long i = 0; i < files; i++) {
    snprintf(name, sizeof name, "f%ld", i);
    if (mknodat(dfd, name, S_IFREG | 0644, 0) != 0) {
      perror("mknodat");
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <root> <dirs> <files>\n", argv[0]);
    return 2;
  }
  long dirs = strtol(argv[2], NULL, 10), files = strtol(argv[3], NULL, 10);
  if (mkdir(argv[1], 0755) != 0) {
    perror("mkdir root");
    return 1;
  }
  int root = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0) {
    perror("open root");
    return 1;
  }
  if (dirs == 0) return fill(root, files) == 0 ? 0 : 1;
  char name[32];
  for (long d = 0; d < dirs; d++) {
    snprintf(name, sizeof name, "d%ld", d);
    if (mkdirat(root, name, 0755) != 0) {
      perror("mkdirat");
      return 1;
    }
    int dfd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || fill(dfd, files) != 0) return 1;
    close(dfd);
  }
  close(root);
  return 0;
}
