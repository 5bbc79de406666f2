/* accounts.c: user and group lookups (see accounts.h). getpwnam and its
 * kin return static storage: one lock around each lookup and its copy
 * keeps the upload threads from reading each other's answers. */
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"

enum field { NAME, HOME };

static pthread_mutex_t lookup_lock = PTHREAD_MUTEX_INITIALIZER;

/* A user (group 0) or a group (1), by name when name is not NULL, else by
 * id: a copy of its name or home directory, and its id in *id_out. NULL
 * when there is none or no memory. */
static char *
lookup(int group, const char *name, unsigned long id, enum field want,
    unsigned long *id_out)
{
	const char *v = NULL;

	pthread_mutex_lock(&lookup_lock);
	if (group) {
		struct group *gr = name ? getgrnam(name) : getgrgid((gid_t)id);

		if (gr != NULL)
			*id_out = gr->gr_gid, v = gr->gr_name;
	} else {
		struct passwd *pw = name ? getpwnam(name) :
		    getpwuid((uid_t)id);

		if (pw != NULL)
			*id_out = pw->pw_uid, v = want == HOME ? pw->pw_dir :
			    pw->pw_name;
	}
	char *copy = v != NULL ? strdup(v) : NULL;
	pthread_mutex_unlock(&lookup_lock);
	return copy;
}

/* The id of the user (into *uid) or group (*gid) called name. */
static int
lookup_id(const char *name, uid_t *uid, gid_t *gid)
{
	unsigned long id;
	char *v = lookup(uid == NULL, name, 0, NAME, &id);

	if (v == NULL)
		return -1;
	free(v);
	if (uid != NULL)
		*uid = (uid_t)id;
	else
		*gid = (gid_t)id;
	return 0;
}

int
acct_user_id(const char *name, uid_t *uid)
{
	return lookup_id(name, uid, NULL);
}

int
acct_group_id(const char *name, gid_t *gid)
{
	return lookup_id(name, NULL, gid);
}

char *
acct_user_name(uid_t uid)
{
	unsigned long id;

	return lookup(0, NULL, uid, NAME, &id);
}

char *
acct_user_home(uid_t uid)
{
	unsigned long id;

	return lookup(0, NULL, uid, HOME, &id);
}

char *
acct_group_name(gid_t gid)
{
	unsigned long id;

	return lookup(1, NULL, gid, NAME, &id);
}
