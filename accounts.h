/* accounts.h: user and group names and ids, from the C library's
 * getpwnam_r and friends (musl reads /etc/passwd and /etc/group, and asks
 * nscd when it runs, so directory users resolve too). */
#ifndef TABLESNAP_ACCOUNTS_H
#define TABLESNAP_ACCOUNTS_H

#include <sys/types.h>

/* The id of the user or group called name: 0, or -1 when there is none
 * (or the database cannot be read). */
int	acct_user_id(const char *name, uid_t *uid);
int	acct_group_id(const char *name, gid_t *gid);

/* The name of a user or group, or a user's home directory, as a new
 * string; NULL when there is none (or no memory). */
char	*acct_user_name(uid_t uid);
char	*acct_group_name(gid_t gid);
char	*acct_user_home(uid_t uid);

#endif
