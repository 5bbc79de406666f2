/* accounts.c: user and group lookups (see accounts.h). The _r functions
 * want a buffer for the entry's strings; it grows until the entry fits. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"

enum { BUF_START = 1024, BUF_MAX = 1 << 20 };

/* One lookup: by name when name is not NULL, else by id. */
static int
find_user(const char *name, uid_t uid, struct passwd *pw, char **buf)
{
	struct passwd *res = NULL;
	int rc = ERANGE;

	*buf = NULL;
	for (size_t len = BUF_START; rc == ERANGE && len <= BUF_MAX;
	    len *= 2) {
		char *b = realloc(*buf, len);

		if (b == NULL)
			break;
		*buf = b;
		rc = name != NULL ? getpwnam_r(name, pw, b, len, &res) :
		    getpwuid_r(uid, pw, b, len, &res);
	}
	if (rc != 0 || res == NULL) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

static int
find_group(const char *name, gid_t gid, struct group *gr, char **buf)
{
	struct group *res = NULL;
	int rc = ERANGE;

	*buf = NULL;
	for (size_t len = BUF_START; rc == ERANGE && len <= BUF_MAX;
	    len *= 2) {
		char *b = realloc(*buf, len);

		if (b == NULL)
			break;
		*buf = b;
		rc = name != NULL ? getgrnam_r(name, gr, b, len, &res) :
		    getgrgid_r(gid, gr, b, len, &res);
	}
	if (rc != 0 || res == NULL) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

int
acct_user_id(const char *name, uid_t *uid)
{
	struct passwd pw;
	char *buf;

	if (find_user(name, 0, &pw, &buf) < 0)
		return -1;
	*uid = pw.pw_uid;
	free(buf);
	return 0;
}

int
acct_group_id(const char *name, gid_t *gid)
{
	struct group gr;
	char *buf;

	if (find_group(name, 0, &gr, &buf) < 0)
		return -1;
	*gid = gr.gr_gid;
	free(buf);
	return 0;
}

/* A copy of a user's field (the name, or the home directory). */
static char *
user_field(uid_t uid, int home)
{
	struct passwd pw;
	char *buf, *v;

	if (find_user(NULL, uid, &pw, &buf) < 0)
		return NULL;
	v = strdup(home ? pw.pw_dir : pw.pw_name);
	free(buf);
	return v;
}

char *
acct_user_name(uid_t uid)
{
	return user_field(uid, 0);
}

char *
acct_user_home(uid_t uid)
{
	return user_field(uid, 1);
}

char *
acct_group_name(gid_t gid)
{
	struct group gr;
	char *buf, *v;

	if (find_group(NULL, gid, &gr, &buf) < 0)
		return NULL;
	v = strdup(gr.gr_name);
	free(buf);
	return v;
}
