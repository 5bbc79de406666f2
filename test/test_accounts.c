/* test_accounts.c: unit tests for accounts.c: the lookups against the C
 * library's parser of this machine's own /etc/passwd and /etc/group. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "unit.h"

void	test_accounts(void);

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
	test_system();
}
