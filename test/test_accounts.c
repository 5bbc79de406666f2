/* test_accounts.c: unit tests for accounts.c: acct_field on made-up
 * files (malformed lines, first match, names that are prefixes), and the
 * lookups against the C library's parser of this machine's own
 * /etc/passwd and /etc/group. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "unit.h"

void	test_accounts(void);

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "short:x:5:5\n"				/* too few fields */
    "bad:x:1x:1:bad:/bad:/bin/sh\n"		/* not an id */
    "cass:x:1001:1001:Cassandra,,,:/home/cass:/bin/sh\n"
    "cassandra:x:1002:1002::/var/lib/cassandra:/usr/sbin/nologin\n"
    "dup:x:1001:1001::/dup:/bin/sh\n"		/* a second 1001 */
    "::77:77::/empty:\n"
    "last:x:1003:1003::/home/last:/bin/sh";	/* no final newline */

static const char group[] =
    "root:x:0:\n"
    "disk:x:6:alice,bob\n"
    "nogid:x::\n"
    "cass:x:1001:\n";

static int
field_is(const char *text, int nf, const char *name, unsigned long id,
    int want, const char *expect)
{
	/* As read_all gives it: exactly the file's bytes, no NUL after. */
	size_t len = strlen(text);
	char *copy = malloc(len), *v;
	int ok;

	if (copy == NULL)
		return 0;
	memcpy(copy, text, len);
	v = acct_field(copy, len, nf, name, id, want);
	ok = expect == NULL ? v == NULL : v != NULL && strcmp(v, expect) == 0;
	free(v);
	free(copy);
	return ok;
}

static void
test_fields(void)
{
	CHECK(field_is(passwd, 7, "root", 0, 2, "0"));
	CHECK(field_is(passwd, 7, "cass", 0, 2, "1001"));
	CHECK(field_is(passwd, 7, "cassandra", 0, 5, "/var/lib/cassandra"));
	CHECK(field_is(passwd, 7, "cassa", 0, 2, NULL));
	CHECK(field_is(passwd, 7, "short", 0, 2, NULL));
	CHECK(field_is(passwd, 7, "bad", 0, 2, NULL));
	CHECK(field_is(passwd, 7, "nobody", 0, 2, NULL));
	CHECK(field_is(passwd, 7, NULL, 1001, 0, "cass"));	/* first */
	CHECK(field_is(passwd, 7, NULL, 1001, 5, "/home/cass"));
	CHECK(field_is(passwd, 7, NULL, 1003, 5, "/home/last"));
	CHECK(field_is(passwd, 7, NULL, 77, 0, ""));
	CHECK(field_is(passwd, 7, NULL, 5, 0, NULL));
	CHECK(field_is(passwd, 7, NULL, 4242, 0, NULL));
	CHECK(field_is(group, 4, "disk", 0, 2, "6"));
	CHECK(field_is(group, 4, NULL, 1001, 0, "cass"));
	CHECK(field_is(group, 4, "nogid", 0, 2, NULL));
	/* An id past 32 bits is not one (glibc skips the line): as a
	 * uid_t it would be 0, root. */
	CHECK(field_is("big:x:4294967296:0::/big:/bin/sh\n", 7, "big", 0, 2,
	    NULL));
	CHECK(field_is("max:x:4294967295:0::/max:/bin/sh\n", 7, "max", 0, 2,
	    "4294967295"));
	CHECK(field_is("", 7, "root", 0, 2, NULL));
	CHECK(field_is("\n\n:\n", 4, NULL, 0, 0, NULL));
}

/* The first entry of /etc/passwd with that name (name != NULL) or uid,
 * as the C library's own file parser (fgetpwent) reads it. */
static struct passwd *
first_user(const char *name, uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "r");
	struct passwd *pw = NULL;

	while (f != NULL && (pw = fgetpwent(f)) != NULL)
		if (name != NULL ? strcmp(pw->pw_name, name) == 0 :
		    pw->pw_uid == uid)
			break;
	if (f != NULL)
		fclose(f);	/* pw is in fgetpwent's own buffer */
	return pw;
}

static struct group *
first_group(const char *name, gid_t gid)
{
	FILE *f = fopen("/etc/group", "r");
	struct group *gr = NULL;

	while (f != NULL && (gr = fgetgrent(f)) != NULL)
		if (name != NULL ? strcmp(gr->gr_name, name) == 0 :
		    gr->gr_gid == gid)
			break;
	if (f != NULL)
		fclose(f);
	return gr;
}

/* Every user and group of this machine's files, as the C library's file
 * parser reads them (not getpwent: other NSS sources may add users). */
static void
test_system(void)
{
	char names[256][64];
	unsigned long ids[256];
	size_t n = 0;
	struct passwd *pw;
	struct group *gr;
	FILE *f;
	int bad = 0;

	if ((f = fopen("/etc/passwd", "r")) != NULL) {
		while (n < 256 && (pw = fgetpwent(f)) != NULL) {
			snprintf(names[n], sizeof(names[n]), "%s", pw->pw_name);
			ids[n++] = pw->pw_uid;
		}
		fclose(f);
	}
	for (size_t i = 0; i < n; i++) {
		uid_t uid;
		char *name = acct_user_name((uid_t)ids[i]);
		char *home = acct_user_home((uid_t)ids[i]);

		bad += acct_user_id(names[i], &uid) != 0 ||
		    uid != first_user(names[i], 0)->pw_uid;
		pw = first_user(NULL, (uid_t)ids[i]);
		bad += name == NULL || strcmp(name, pw->pw_name) != 0 ||
		    home == NULL || strcmp(home, pw->pw_dir) != 0;
		free(name);
		free(home);
	}
	CHECK(n > 0 && bad == 0);
	n = 0;
	if ((f = fopen("/etc/group", "r")) != NULL) {
		while (n < 256 && (gr = fgetgrent(f)) != NULL) {
			snprintf(names[n], sizeof(names[n]), "%s", gr->gr_name);
			ids[n++] = gr->gr_gid;
		}
		fclose(f);
	}
	for (size_t i = 0; i < n; i++) {
		gid_t gid;
		char *name = acct_group_name((gid_t)ids[i]);

		bad += acct_group_id(names[i], &gid) != 0 ||
		    gid != first_group(names[i], 0)->gr_gid;
		gr = first_group(NULL, (gid_t)ids[i]);
		bad += name == NULL || strcmp(name, gr->gr_name) != 0;
		free(name);
	}
	CHECK(n > 0 && bad == 0);
	{
		uid_t uid;

		CHECK(acct_user_id("no-such-user-tablesnap", &uid) == -1);
		CHECK(acct_group_name(4000000000u) == NULL);
	}
}

void
test_accounts(void)
{
	test_fields();
	test_system();
}
