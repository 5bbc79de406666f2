/* accounts.c: lookups in /etc/passwd and /etc/group (see accounts.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "fmt.h"

#define PASSWD_FIELDS	7	/* name:passwd:uid:gid:gecos:home:shell */
#define GROUP_FIELDS	4	/* name:password:gid:members */

static char	*lookup(const char *, int, const char *, unsigned long, int);
static char	*read_all(const char *, size_t *);

int
acct_user_id(const char *name, uid_t *uid)
{
	char *v = lookup("/etc/passwd", PASSWD_FIELDS, name, 0, 2);

	if (v == NULL)
		return -1;
	*uid = (uid_t)strtoul(v, NULL, 10);
	free(v);
	return 0;
}

int
acct_group_id(const char *name, gid_t *gid)
{
	char *v = lookup("/etc/group", GROUP_FIELDS, name, 0, 2);

	if (v == NULL)
		return -1;
	*gid = (gid_t)strtoul(v, NULL, 10);
	free(v);
	return 0;
}

char *
acct_user_name(uid_t uid)
{
	return lookup("/etc/passwd", PASSWD_FIELDS, NULL, uid, 0);
}

char *
acct_group_name(gid_t gid)
{
	return lookup("/etc/group", GROUP_FIELDS, NULL, gid, 0);
}

char *
acct_user_home(uid_t uid)
{
	return lookup("/etc/passwd", PASSWD_FIELDS, NULL, uid, 5);
}

static char *
lookup(const char *path, int nfields, const char *name, unsigned long id,
    int want)
{
	size_t len;
	char *text = read_all(path, &len), *v;

	if (text == NULL)
		return NULL;
	v = acct_field(text, len, nfields, name, id, want);
	free(text);
	return v;
}

/* The whole file in a new buffer (not NUL-terminated). */
static char *
read_all(const char *path, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap), *grown;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*len = 0;
	while (fd >= 0 && buf != NULL) {
		if (*len == cap) {
			if ((grown = realloc(buf, cap *= 2)) == NULL)
				break;
			buf = grown;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			if (n == 0)
				return buf;
			fd = -1;
		} else
			*len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Splits one line at ':' into at most max fields; returns their count. */
static int
split(const char *line, const char *end, const char **f, size_t *flen,
    int max)
{
	int n = 0;

	for (const char *p = line; n < max; p++) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		f[n] = p;
		flen[n++] = (size_t)((c != NULL ? c : end) - p);
		if (c == NULL)
			break;
		p = c;
	}
	return n;
}

/* The decimal value of an id field; -1 when it is not one, also when it
 * does not fit a uid_t or gid_t (as glibc): cast, 4294967296 would be 0,
 * root. */
static int
parse_id(const char *s, size_t len, unsigned long *v)
{
	_Static_assert(sizeof(uid_t) == sizeof(gid_t), "one id range");
	*v = 0;
	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return *v <= (uid_t)-1 ? 0 : -1;
}

char *
acct_field(const char *text, size_t len, int nfields, const char *name,
    unsigned long id, int want)
{
	const char *end = text + len, *line, *nl, *f[PASSWD_FIELDS];
	size_t flen[PASSWD_FIELDS];
	unsigned long v;

	for (line = text; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if (split(line, nl, f, flen, PASSWD_FIELDS) < nfields ||
		    parse_id(f[2], flen[2], &v) != 0)
			continue;
		if (name != NULL ? flen[0] == strlen(name) &&
		    memcmp(f[0], name, flen[0]) == 0 : v == id)
			return str_ndup(f[want], flen[want]);
	}
	return NULL;
}
