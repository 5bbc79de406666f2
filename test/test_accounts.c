/* test_accounts.c: unit tests for accounts.c: acct_field on made-up
 * files (malformed lines, first match, names that are prefixes), and the
 * lookups against the C library's getpwnam/getgrgid on this machine's
 * own /etc/passwd and /etc/group. */
#include <grp.h>
#include <pwd.h>
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
	char *v = acct_field(text, strlen(text), nf, name, id, want);
	int ok = expect == NULL ? v == NULL :
	    v != NULL && strcmp(v, expect) == 0;

	free(v);
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
	CHECK(field_is("", 7, "root", 0, 2, NULL));
	CHECK(field_is("\n\n:\n", 4, NULL, 0, 0, NULL));
}

/* Every user and group of this machine's files, as the C library sees
 * them (its "files" source reads the same lines). */
static void
test_system(void)
{
	struct passwd *pw;
	struct group *gr;
	int bad = 0, seen = 0;

	setpwent();
	while ((pw = getpwent()) != NULL) {
		uid_t uid;
		char *name, *home;

		seen++;
		bad += acct_user_id(pw->pw_name, &uid) != 0 ||
		    uid != getpwnam(pw->pw_name)->pw_uid;
		name = acct_user_name(pw->pw_uid);
		home = acct_user_home(pw->pw_uid);
		pw = getpwuid(pw->pw_uid);
		bad += name == NULL || strcmp(name, pw->pw_name) != 0 ||
		    home == NULL || strcmp(home, pw->pw_dir) != 0;
		free(name);
		free(home);
	}
	endpwent();
	setgrent();
	while ((gr = getgrent()) != NULL) {
		gid_t gid;
		char *name;

		seen++;
		bad += acct_group_id(gr->gr_name, &gid) != 0 ||
		    gid != getgrnam(gr->gr_name)->gr_gid;
		name = acct_group_name(gr->gr_gid);
		gr = getgrgid(gr->gr_gid);
		bad += name == NULL || strcmp(name, gr->gr_name) != 0;
		free(name);
	}
	endgrent();
	CHECK(seen > 0 && bad == 0);
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
