/* test_creds.c: the pure parts of the credential chain: the shared files'
 * INI dialect and profiles, the metadata JSON (its Expiration read by
 * isotime.c, tested in test_isotime.c), the refresh rule, URLs and region
 * names. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../creds.h"
#include "../sts.h"
#include "unit.h"

/* A JSON literal, its length counted. */
#define PJ(lit, k, err) \
	cred_parse_json(lit, sizeof(lit) - 1, k, err, sizeof(err))

/* Collects "section|key=value;" for every pair. */
struct collect {
	char out[1024];
	int stop_at;		/* stop (return 7) at this pair, 0: never */
	int n;
};

static int
collect_cb(void *arg, const char *section, const char *key,
    const char *value)
{
	struct collect *c = arg;
	size_t len = strlen(c->out);

	c->n++;
	snprintf(c->out + len, sizeof(c->out) - len, "%s|%s=%s;", section, key,
	    value);
	return c->n == c->stop_at ? 7 : 0;
}

static int
parse_ini(const char *text, struct collect *c, size_t *errline)
{
	memset(c, 0, sizeof(*c));
	return cred_ini_parse(text, strlen(text), collect_cb, c, errline);
}

static void
ini_dialect(void)
{
	struct collect c;
	size_t line;

	CHECK(parse_ini("", &c, &line) == 0 && c.out[0] == '\0');
	CHECK(parse_ini("[default]\naws_access_key_id = AK\n"
	    "aws_secret_access_key=SK\n", &c, &line) == 0);
	CHECK_STR(c.out, "default|aws_access_key_id=AK;"
	    "default|aws_secret_access_key=SK;");
	/* Comments, blank lines, CRLF, a BOM, ':' as delimiter, capitals in
	 * keys, spaces inside the brackets, inline comments after a blank. */
	CHECK(parse_ini("\xef\xbb\xbf# top\r\n; also\r\n\r\n[ p1 ]\r\n"
	    "  Region: eu-west-1   # Ireland\r\nK = a#b;c ; note\r\n", &c,
	    &line) == 0);
	CHECK_STR(c.out, "p1|region=eu-west-1;p1|k=a#b;c;");
	/* A value may be empty; '=' after the first belongs to the value
	 * (base64 tokens end with '='). */
	CHECK(parse_ini("[s]\na =\nt = Zm9v==\n", &c, &line) == 0);
	CHECK_STR(c.out, "s|a=;s|t=Zm9v==;");
	/* Lines indented deeper than the last key continue its value
	 * (nested s3 settings), as in configparser; an indented key right
	 * after a section is a key. */
	CHECK(parse_ini("[default]\ns3 =\n    addressing_style = path\n"
	    "  region = x\nr = y\n[b]\n  k = v\n", &c, &line) == 0);
	CHECK_STR(c.out, "default|s3=;default|r=y;b|k=v;");
	/* "[profile name]" is passed as written, trimmed. */
	CHECK(parse_ini("[profile  backup ]\nk=v\n", &c, &line) == 0);
	CHECK_STR(c.out, "profile  backup|k=v;");
	/* A section with a comment after it. */
	CHECK(parse_ini("[a] # note\nk=v\n", &c, &line) == 0);
	CHECK_STR(c.out, "a|k=v;");
	/* The callback stops the walk. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	CHECK(cred_ini_parse("[a]\nx=1\ny=2\nz=3\n", 16, collect_cb, &c,
	    &line) == 7 && c.n == 2);
	/* No final newline. */
	CHECK(parse_ini("[a]\nx=1", &c, &line) == 0);
	CHECK_STR(c.out, "a|x=1;");
}

static void
ini_errors(void)
{
	struct collect c;
	size_t line = 0;

	CHECK(parse_ini("k = v\n", &c, &line) == -1 && line == 1);
	CHECK(parse_ini("[a]\nk = v\nnot a pair\n", &c, &line) == -1 &&
	    line == 3);
	CHECK(parse_ini("[a]\n= v\n", &c, &line) == -1 && line == 2);
	CHECK(parse_ini("[a\nk=v\n", &c, &line) == -1 && line == 1);
	CHECK(parse_ini("[]\n", &c, &line) == -1 && line == 1);
	CHECK(parse_ini("[a] junk\n", &c, &line) == -1 && line == 1);
	CHECK(parse_ini("\r\n\r\n  continued\n", &c, &line) == -1 &&
	    line == 3);
}

static void
profiles(void)
{
	static const char cred[] =
	    "[default]\naws_access_key_id = DAK\naws_secret_access_key = DSK\n"
	    "[backup]\naws_access_key_id = BAK\naws_secret_access_key = BSK\n"
	    "aws_security_token = OLD\naws_session_token = NEW\n"
	    "[profile backup]\naws_access_key_id = WRONG\n";
	static const char conf[] =
	    "[default]\nregion = eu-west-1\n"
	    "[profile backup]\nregion = ap-south-1\naws_access_key_id = CAK\n"
	    "aws_secret_access_key = CSK\n"
	    "[backup]\naws_access_key_id = NOTAPROFILE\n"
	    "[profile role]\nrole_arn = arn:aws:iam::1:role/r\n"
	    "source_profile = default\n";
	struct cred_profile p;
	size_t line;

	/* The credentials file: [name], and "profile name" is not it. */
	CHECK(cred_profile_parse(cred, strlen(cred), "default", 0, &p,
	    &line) == 0);
	CHECK(p.found && p.token == NULL && p.region == NULL);
	CHECK_STR(p.access_key, "DAK");
	CHECK_STR(p.secret_key, "DSK");
	cred_profile_free(&p);
	CHECK(cred_profile_parse(cred, strlen(cred), "backup", 0, &p,
	    &line) == 0);
	CHECK_STR(p.access_key, "BAK");
	CHECK_STR(p.token, "NEW");	/* aws_session_token wins */
	cred_profile_free(&p);
	CHECK(cred_profile_parse(cred, strlen(cred), "nosuch", 0, &p,
	    &line) == 0 && !p.found && p.access_key == NULL);
	cred_profile_free(&p);
	/* The config file: [default] and [profile name]; [name] is not. */
	CHECK(cred_profile_parse(conf, strlen(conf), "default", 1, &p,
	    &line) == 0 && p.found && p.access_key == NULL);
	CHECK_STR(p.region, "eu-west-1");
	cred_profile_free(&p);
	CHECK(cred_profile_parse(conf, strlen(conf), "backup", 1, &p,
	    &line) == 0);
	CHECK_STR(p.access_key, "CAK");
	CHECK_STR(p.region, "ap-south-1");
	CHECK(p.set[CS_ROLE_ARN] == NULL);
	cred_profile_free(&p);
	CHECK(cred_profile_parse(conf, strlen(conf), "role", 1, &p,
	    &line) == 0 && p.found && p.access_key == NULL);
	CHECK_STR(p.set[CS_ROLE_ARN], "arn:aws:iam::1:role/r");
	CHECK_STR(p.set[CS_SOURCE_PROFILE], "default");
	cred_profile_free(&p);
	/* [sso-session name] only as kind 2, never as a profile. */
#define SSO_SECTION "[sso-session corp]\nsso_region = r\n"
	CHECK(cred_profile_parse(SSO_SECTION, strlen(SSO_SECTION),
	    "corp", 2, &p, &line) == 0 && p.found);
	CHECK_STR(p.set[CS_SSO_REGION], "r");
	cred_profile_free(&p);
	CHECK(cred_profile_parse(SSO_SECTION, strlen(SSO_SECTION),
	    "corp", 1, &p, &line) == 0 && !p.found);
	cred_profile_free(&p);
	/* "[profile default]" names the default profile too. */
	CHECK(cred_profile_parse("[profile default]\nregion=r\n",
	    sizeof("[profile default]\nregion=r\n") - 1,
	    "default", 1, &p, &line) == 0);
	CHECK_STR(p.region, "r");
	cred_profile_free(&p);
	/* A broken file is an error with its line, and leaves nothing. */
	CHECK(cred_profile_parse("[a]\nk=v\n???\n",
	    sizeof("[a]\nk=v\n???\n") - 1, "a", 0, &p,
	    &line) == -1 && line == 3 && p.access_key == NULL && !p.found);
}

static void
refresh_rule(void)
{
	/* Six hours (IMDS): 15 minutes ahead, as botocore. */
	CHECK(cred_refresh_time(1000, 1000 + 21600) == 1000 + 21600 - 900);
	/* An hour: still 15 minutes. */
	CHECK(cred_refresh_time(0, 3600) == 2700);
	/* Shorter lives: halfway. */
	CHECK(cred_refresh_time(0, 1200) == 600);
	CHECK(cred_refresh_time(100, 104) == 102);
	CHECK(cred_refresh_time(100, 101) == 101);
	/* Already expired when fetched: now. */
	CHECK(cred_refresh_time(100, 100) == 100);
	CHECK(cred_refresh_time(100, 50) == 100);
}

static void
metadata_json(void)
{
	static const char imds[] = "{\n  \"Code\" : \"Success\",\n"
	    "  \"LastUpdated\" : \"2024-05-01T11:00:00Z\",\n"
	    "  \"Type\" : \"AWS-HMAC\",\n"
	    "  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n"
	    "  \"SecretAccessKey\" : \"se\\/cr\\u0065t\",\n"
	    "  \"Token\" : \"IQoJb3JpZ2luX2Vj==\",\n"
	    "  \"Expiration\" : \"2024-05-01T12:30:45Z\"\n}\n";
	static const char ecs[] = "{\"AccessKeyId\":\"AK\",\"Expiration\":"
	    "\"2024-05-01T12:30:45Z\",\"RoleArn\":\"arn:aws:iam::1:role/r\","
	    "\"SecretAccessKey\":\"SK\",\"Token\":\"\",\"Nested\":{\"a\":[1,"
	    "2.5e3,true,null,{\"b\":\"\\\"\"}]},\"AccountId\":\"123\"}";
	struct cred_keys k;
	char err[256];

	CHECK(cred_parse_json(imds, strlen(imds), &k, err, sizeof(err)) == 0);
	CHECK_STR(k.access_key, "ASIAEXAMPLE");
	CHECK_STR(k.secret_key, "se/cret");
	CHECK_STR(k.token, "IQoJb3JpZ2luX2Vj==");
	CHECK(k.expiration == 1714566645);
	cred_keys_free(&k);
	/* Unknown and nested members are skipped; an empty token is none. */
	CHECK(cred_parse_json(ecs, strlen(ecs), &k, err, sizeof(err)) == 0);
	CHECK_STR(k.access_key, "AK");
	CHECK(k.token == NULL);
	cred_keys_free(&k);
	/* No expiration: static keys. Other members may hold any text. */
	CHECK(PJ("{\"AccessKeyId\":\"a\",\"Note\":\"\\ud83d\\ude00\","
	    "\"SecretAccessKey\":\"s\"}", &k, err) == 0);
	CHECK_STR(k.access_key, "a");
	CHECK(k.expiration == 0);
	cred_keys_free(&k);
	/* Failures, each with a reason. */
	CHECK(PJ("{\"Code\":\"AssumeRoleUnauthorizedAccess\","
	    "\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"s\"}", &k, err) == -1 &&
	    strstr(err, "AssumeRoleUnauthorized"));
	CHECK(PJ("{\"AccessKeyId\":\"a\"}", &k, err) == -1 &&
	    strstr(err, "SecretAccessKey"));
	CHECK(PJ("{\"AccessKeyId\":\"a\",\"SecretAccessKey\":"
	    "\"s\",\"Expiration\":\"soon\"}", &k, err) == -1 &&
	    strstr(err, "soon"));
	CHECK(PJ("not json", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a\",}", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a\" \"x\":1}", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a\\q\"}", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a\\ud800\"}", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a\n\"}", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a\"} x", &k, err) == -1);
	CHECK(PJ("{\"AccessKeyId\":\"a", &k, err) == -1);
	CHECK(PJ("{}", &k, err) == -1);
	CHECK(PJ("", &k, err) == -1);
	CHECK(k.access_key == NULL && k.secret_key == NULL);
}

static void
urls(void)
{
	struct http_url u;

	CHECK(http_parse_url("http://169.254.170.2/v2/credentials/abc", &u) ==
	    0 && !u.tls);
	CHECK_STR(u.host, "169.254.170.2");
	CHECK_STR(u.port, "80");
	CHECK_STR(u.path, "/v2/credentials/abc");
	CHECK(http_parse_url("https://creds.example:8443", &u) == 0 && u.tls);
	CHECK_STR(u.port, "8443");
	CHECK_STR(u.path, "/");
	CHECK(http_parse_url("http://[fd00:ec2::23]/v1/credentials", &u) == 0);
	CHECK_STR(u.host, "fd00:ec2::23");
	CHECK(http_parse_url("http://[::1]:9000/x?y=1", &u) == 0);
	CHECK_STR(u.port, "9000");
	CHECK_STR(u.path, "/x?y=1");
	CHECK(http_parse_url("ftp://h/", &u) == -1);
	CHECK(http_parse_url("http://", &u) == -1);
	CHECK(http_parse_url("http://h:/", &u) == -1);
	CHECK(http_parse_url("http://h:8x/", &u) == -1);
	CHECK(http_parse_url("http://[::1/", &u) == -1);
	CHECK(http_parse_url("http://h/a b", &u) == -1);
	CHECK(http_parse_url("http://h/a\r\nX: y", &u) == -1);
	/* What --endpoint refused before it shared this parser. */
	CHECK(http_parse_url("http://h:0/", &u) == -1);
	CHECK(http_parse_url("http://h:65536/", &u) == -1);
	CHECK(http_parse_url("http://h:65535/", &u) == 0);
	CHECK(http_parse_url("http://h\"x/", &u) == -1);
	CHECK(http_parse_url("http://h x/", &u) == -1);
	CHECK(http_parse_url("http://[::1]x/", &u) == -1);
	/* FULL_URI: https anywhere, http only to loopback and the agents. */
	CHECK(http_parse_url("https://10.0.0.1/", &u) == 0 &&
	    cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://127.0.0.1:80/", &u) == 0 &&
	    cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://127.3.2.1/", &u) == 0 &&
	    cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://localhost/", &u) == 0 &&
	    cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://[::1]/", &u) == 0 &&
	    cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://169.254.170.23/v1", &u) == 0 &&
	    cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://10.0.0.1/", &u) == 0 &&
	    !cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://127.0.0.1.evil.example/", &u) == 0 &&
	    !cred_full_uri_allowed(&u));
	CHECK(http_parse_url("http://169.254.169.254/", &u) == 0 &&
	    !cred_full_uri_allowed(&u));
}

static void
keys(void)
{
	struct cred_keys k;
	char err[256];

	CHECK(cred_key_valid("AKIAIOSFODNN7EXAMPLE"));
	CHECK(cred_key_valid("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
	CHECK(cred_key_valid("IQoJb3JpZ2luX2VjEFgaCXVz+/=="));
	CHECK(!cred_key_valid(""));
	CHECK(!cred_key_valid(NULL));
	CHECK(!cred_key_valid("AKIA\r"));
	CHECK(!cred_key_valid("tok\r\nX-Evil: 1"));
	CHECK(!cred_key_valid("with space"));
	CHECK(!cred_key_valid("tab\t"));
	CHECK(!cred_key_valid("del\x7f"));
	CHECK(!cred_key_valid("caf\xc3\xa9"));
	/* The metadata answer is checked the same way. */
	CHECK(PJ("{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"s\","
	    "\"Token\":\"t\\r\\nX-Evil: 1\"}", &k, err) == -1 &&
	    strstr(err, "Token"));
	CHECK(PJ("{\"AccessKeyId\":\"a b\",\"SecretAccessKey\":\"s\"}", &k,
	    err) == -1 && strstr(err, "AccessKeyId"));
}

static void
regions(void)
{
	CHECK(cred_region_valid("us-east-1"));
	CHECK(cred_region_valid("eu-central-2"));
	CHECK(cred_region_valid("cn-north-1"));
	CHECK(!cred_region_valid(""));
	CHECK(!cred_region_valid("EU-WEST-1"));
	CHECK(!cred_region_valid("us_east_1"));
	CHECK(!cred_region_valid("-us"));
	CHECK(!cred_region_valid("eu-west-1.evil"));
	CHECK(!cred_region_valid("eu-west-1/x"));
}

/* A FIFO planted at the credentials file, no writer: refused at once,
 * naming it. Run in a child: the mistake being guarded against is a
 * wait that never ends, which must fail the test, not hang it. */
static void
fifo_refused(void)
{
	char dir[] = "/tmp/test_creds.XXXXXX", path[64], err[256] = "";
	struct timespec ts = { 0, 10 * 1000000L };
	int st = -1, pfd[2];
	char *region = NULL;
	pid_t pid;
	ssize_t n;

	if (mkdtemp(dir) == NULL || snprintf(path, sizeof(path), "%s/fifo",
	    dir) >= (int)sizeof(path) || mkfifo(path, 0600) < 0 ||
	    pipe(pfd) < 0)
		abort();
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		int r;

		setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
		r = cred_profile_region(&region, err, sizeof(err));
		if (r == -1 && write(pfd[1], err, strlen(err)) < 0)
			_exit(2);
		_exit(r == -1 ? 0 : 1);
	}
	close(pfd[1]);
	for (int i = 0; i < 500 && waitpid(pid, &st, WNOHANG) == 0; i++)
		nanosleep(&ts, NULL);
	if (waitpid(pid, &st, WNOHANG) == 0) {	/* still waiting: fail */
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		st = -1;
	}
	CHECK(st == 0);
	n = read(pfd[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	CHECK(strstr(err, path) != NULL);
	CHECK(strstr(err, "not a regular file") != NULL);
	close(pfd[0]);
	unlink(path);
	rmdir(dir);
}

/* ---- boto 2's configuration ---- */

static int
boto_text(const char *text, const char *file, struct cred_boto *b)
{
	size_t line;

	return cred_boto_parse(text, strlen(text), file, b, &line);
}

static void
boto_sections(void)
{
	struct cred_boto b = { 0 };
	size_t line = 0;

	/* Only [Credentials], [Boto] and [s3], spelt as boto spells them;
	 * keys in any case, ':' or '='. */
	CHECK(boto_text("# boto\n[credentials]\naws_access_key_id = LOWER\n"
	    "[Credentials]\nAWS_Access_Key_Id: AK\naws_secret_access_key=SK\n"
	    "aws_security_token = TK ; note\n[profile x]\n"
	    "aws_secret_access_key = NOT\n[Boto]\nis_secure = False\n"
	    "[s3]\ncalling_format = boto.s3.connection.OrdinaryCallingFormat\n"
	    "[S3]\ncalling_format = WRONG\n", "/etc/boto.cfg", &b) == 0);
	CHECK_STR(b.ak.v, "AK");
	CHECK_STR(b.sk.v, "SK");
	CHECK_STR(b.tk.v, "TK");
	CHECK_STR(b.secure.v, "False");
	CHECK_STR(b.calling.v, "boto.s3.connection.OrdinaryCallingFormat");
	CHECK(b.host.v == NULL && b.port.v == NULL && b.ca.v == NULL);
	CHECK_STR(b.ak.file, "/etc/boto.cfg");
	cred_boto_free(&b);
	/* Malformed: ConfigParser refused it, so do we, with the line. */
	CHECK(cred_boto_parse("aws_access_key_id = AK\n", 23, "f", &b,
	    &line) == -1 && line == 1);
	cred_boto_free(&b);
	CHECK(cred_boto_parse("[Credentials]\nno separator\n", 27, "f", &b,
	    &line) == -1 && line == 2);
	cred_boto_free(&b);
}

/* /etc/boto.cfg then ~/.boto: the later file wins key by key. */
static void
boto_precedence(void)
{
	struct cred_boto b = { 0 };

	CHECK(boto_text("[Credentials]\naws_access_key_id = ETC\n"
	    "aws_secret_access_key = ETCSK\ns3_host = etc.example\n",
	    "/etc/boto.cfg", &b) == 0);
	CHECK(boto_text("[Credentials]\naws_access_key_id = HOME\n"
	    "s3_port = 8080\n", "/root/.boto", &b) == 0);
	CHECK_STR(b.ak.v, "HOME");
	CHECK_STR(b.ak.file, "/root/.boto");
	CHECK_STR(b.sk.v, "ETCSK");
	CHECK_STR(b.sk.file, "/etc/boto.cfg");
	CHECK_STR(b.host.v, "etc.example");
	CHECK_STR(b.port.v, "8080");
	cred_boto_free(&b);
}

static int
boto_s3_of(const char *text, struct boto_s3 *out, char *err, size_t errlen)
{
	struct cred_boto b = { 0 };
	int r = -2;

	if (boto_text(text, "/etc/boto.cfg", &b) == 0)
		r = cred_boto_s3(&b, out, err, errlen);
	/* out's strings point into b: compare before this in the tests
	 * that need them, so keep b's pointers alive via a copy. */
	if (r == 0 && out->host != NULL)
		out->host = strcmp(out->host, "rgw.example") == 0 ?
		    "rgw.example" : "?";
	if (r == 0 && out->ca_file != NULL)
		out->ca_file = strcmp(out->ca_file, "/etc/ca.pem") == 0 ?
		    "/etc/ca.pem" : "?";
	if (r == 0)
		out->no_verify = out->no_verify ? "file" : NULL;
	out->from = NULL;
	cred_boto_free(&b);
	return r;
}

static void
boto_settings(void)
{
	struct boto_s3 o;
	char err[256];

	/* Nothing set: AWS, https, automatic addressing, checked. */
	CHECK(boto_s3_of("", &o, err, sizeof(err)) == 0);
	CHECK(o.host == NULL && o.tls == 1 && o.path_style == 0 &&
	    o.ca_file == NULL && o.no_verify == NULL);
	CHECK_STR(o.port, "443");
	/* The radosgw of an S3-compatible install. */
	CHECK(boto_s3_of("[Credentials]\ns3_host = rgw.example\n"
	    "[Boto]\nis_secure = False\n", &o, err, sizeof(err)) == 0);
	CHECK(o.tls == 0);
	CHECK_STR(o.host, "rgw.example");
	CHECK_STR(o.port, "80");
	CHECK(boto_s3_of("[Credentials]\ns3_host = rgw.example\n"
	    "s3_port = 7480\n[Boto]\nis_secure = no\n", &o, err,
	    sizeof(err)) == 0 && o.tls == 0);
	CHECK_STR(o.port, "7480");
	/* getboolean's words, any case. */
	CHECK(boto_s3_of("[Boto]\nis_secure = OFF\n", &o, err,
	    sizeof(err)) == 0 && o.tls == 0);
	CHECK(boto_s3_of("[Boto]\nis_secure = 0\n", &o, err,
	    sizeof(err)) == 0 && o.tls == 0);
	CHECK(boto_s3_of("[Boto]\nis_secure = Yes\n", &o, err,
	    sizeof(err)) == 0 && o.tls == 1);
	CHECK(boto_s3_of("[Boto]\nis_secure = True\n", &o, err,
	    sizeof(err)) == 0 && o.tls == 1);
	CHECK(boto_s3_of("[Boto]\nis_secure = maybe\n", &o, err,
	    sizeof(err)) == -1 && strstr(err, "is_secure") != NULL &&
	    strstr(err, "/etc/boto.cfg") != NULL);
	/* Ports. */
	CHECK(boto_s3_of("[Credentials]\ns3_port = 80a\n", &o, err,
	    sizeof(err)) == -1 && strstr(err, "s3_port") != NULL);
	CHECK(boto_s3_of("[Credentials]\ns3_port = 65536\n", &o, err,
	    sizeof(err)) == -1);
	CHECK(boto_s3_of("[Credentials]\ns3_port = -1\n", &o, err,
	    sizeof(err)) == -1);
	CHECK(boto_s3_of("[Credentials]\ns3_port =\n", &o, err,
	    sizeof(err)) == -1);
	CHECK(boto_s3_of("[Credentials]\ns3_host = a/b\n", &o, err,
	    sizeof(err)) == -1 && strstr(err, "s3_host") != NULL);
	/* A carriage return inside would split the Host header. */
	CHECK(boto_s3_of("[Credentials]\ns3_host = a\rX-Evil:1\n", &o, err,
	    sizeof(err)) == -1 && strstr(err, "s3_host") != NULL);
	CHECK(boto_s3_of("[Credentials]\ns3_host = a b\n", &o, err,
	    sizeof(err)) == -1);
	/* calling_format names. */
	CHECK(boto_s3_of("[s3]\ncalling_format = boto.s3.connection."
	    "OrdinaryCallingFormat\n", &o, err, sizeof(err)) == 0 &&
	    o.path_style == 1);
	CHECK(boto_s3_of("[s3]\ncalling_format = boto.s3.connection."
	    "ProtocolIndependentOrdinaryCallingFormat\n", &o, err,
	    sizeof(err)) == 0 && o.path_style == 1);
	CHECK(boto_s3_of("[s3]\ncalling_format = boto.s3.connection."
	    "SubdomainCallingFormat\n", &o, err, sizeof(err)) == 0 &&
	    o.path_style == -1);
	CHECK(boto_s3_of("[s3]\ncalling_format = OrdinaryCallingFormat\n", &o,
	    err, sizeof(err)) == 0 && o.path_style == 1);
	CHECK(boto_s3_of("[s3]\ncalling_format = boto.s3.connection."
	    "VHostCallingFormat\n", &o, err, sizeof(err)) == -1 &&
	    strstr(err, "calling_format") != NULL);
	CHECK(boto_s3_of("[s3]\ncalling_format = boto.s3.connection."
	    "ordinarycallingformat\n", &o, err, sizeof(err)) == -1);
	/* Certificates: boto's getbool takes only "true" as true. */
	CHECK(boto_s3_of("[Boto]\nhttps_validate_certificates = True\n", &o,
	    err, sizeof(err)) == 0 && o.no_verify == NULL);
	CHECK(boto_s3_of("[Boto]\nhttps_validate_certificates = False\n", &o,
	    err, sizeof(err)) == 0 && o.no_verify != NULL);
	CHECK(boto_s3_of("[Boto]\nhttps_validate_certificates = yes\n", &o,
	    err, sizeof(err)) == 0 && o.no_verify != NULL);
	CHECK(boto_s3_of("[Boto]\nca_certificates_file = /etc/ca.pem\n", &o,
	    err, sizeof(err)) == 0);
	CHECK_STR(o.ca_file, "/etc/ca.pem");
	CHECK(boto_s3_of("[Boto]\nca_certificates_file = system\n", &o, err,
	    sizeof(err)) == 0 && o.ca_file == NULL);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

/* Which files are read: BOTO_CONFIG alone; BOTO_PATH in order; else
 * /etc/boto.cfg then ~/.boto. */
static void
boto_files(void)
{
	char dir[] = "/tmp/test_boto.XXXXXX", home[64], one[64], two[64];
	char err[256], *old_home = getenv("HOME");
	struct cred_boto b;

	old_home = old_home ? strdup(old_home) : NULL;
	if (mkdtemp(dir) == NULL ||
	    snprintf(home, sizeof(home), "%s/.boto", dir) >= (int)sizeof(home) ||
	    snprintf(one, sizeof(one), "%s/one.cfg", dir) >= (int)sizeof(one) ||
	    snprintf(two, sizeof(two), "%s/two.cfg", dir) >= (int)sizeof(two))
		abort();
	write_text(home, "[Credentials]\naws_access_key_id = HOME\n"
	    "s3_host = home.example\n");
	write_text(one, "[Credentials]\naws_access_key_id = ONE\n");
	write_text(two, "[Credentials]\naws_access_key_id = TWO\n"
	    "aws_secret_access_key = TWOSK\n");
	setenv("HOME", dir, 1);
	unsetenv("BOTO_PATH");
	/* BOTO_CONFIG alone: ~/.boto is not read. */
	setenv("BOTO_CONFIG", one, 1);
	CHECK(cred_boto_load(&b, err, sizeof(err)) == 0);
	CHECK(b.nfiles == 1);
	CHECK_STR(b.ak.v, "ONE");
	CHECK(b.host.v == NULL);
	cred_boto_free(&b);
	/* "~/" expanded as Python's expanduser. */
	setenv("BOTO_CONFIG", "~/.boto", 1);
	CHECK(cred_boto_load(&b, err, sizeof(err)) == 0);
	CHECK_STR(b.ak.v, "HOME");
	cred_boto_free(&b);
	/* Set but empty: no file at all. */
	setenv("BOTO_CONFIG", "", 1);
	CHECK(cred_boto_load(&b, err, sizeof(err)) == 0 && b.nfiles == 0 &&
	    b.ak.v == NULL);
	cred_boto_free(&b);
	/* Named but missing: refused, naming it. */
	setenv("BOTO_CONFIG", "/nonexistent/boto.cfg", 1);
	CHECK(cred_boto_load(&b, err, sizeof(err)) == -1 &&
	    strstr(err, "BOTO_CONFIG=/nonexistent/boto.cfg") != NULL);
	/* A malformed one names the file and the line. */
	write_text(one, "[Credentials]\naws_access_key_id = ONE\ngarbage\n");
	setenv("BOTO_CONFIG", one, 1);
	CHECK(cred_boto_load(&b, err, sizeof(err)) == -1 &&
	    strstr(err, one) != NULL && strstr(err, "line 3") != NULL);
	write_text(one, "[Credentials]\naws_access_key_id = ONE\n");
	/* A directory is not a regular file. */
	setenv("BOTO_CONFIG", dir, 1);
	CHECK(cred_boto_load(&b, err, sizeof(err)) == -1 &&
	    strstr(err, "not a regular file") != NULL);
	unsetenv("BOTO_CONFIG");
	/* BOTO_PATH: each in order, the later winning. */
	{
		char list[200];

		if (snprintf(list, sizeof(list), "%s::%s", one, two) >=
		    (int)sizeof(list))
			abort();
		setenv("BOTO_PATH", list, 1);
		CHECK(cred_boto_load(&b, err, sizeof(err)) == 0 &&
		    b.nfiles == 2);
		CHECK_STR(b.ak.v, "TWO");
		cred_boto_free(&b);
		unsetenv("BOTO_PATH");
	}
	/* The defaults: /etc/boto.cfg, then ~/.boto overriding it. */
	CHECK(cred_boto_load(&b, err, sizeof(err)) == 0 && b.nfiles == 2);
	CHECK_STR(b.files[0], "/etc/boto.cfg");
	CHECK_STR(b.files[1], home);
	CHECK_STR(b.ak.v, "HOME");
	CHECK_STR(b.host.v, "home.example");
	CHECK_STR(b.ak.file, home);
	cred_boto_free(&b);
	/* A ~/.boto directory (older boto's ~/.boto/boto.cfg) is passed
	 * over, as boto passed over it. */
	if (unlink(home) < 0 || mkdir(home, 0700) < 0)
		abort();
	CHECK(cred_boto_load(&b, err, sizeof(err)) == 0 && b.ak.v == NULL);
	cred_boto_free(&b);
	rmdir(home);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_home);
	unlink(home);
	unlink(one);
	unlink(two);
	rmdir(dir);
}

/* ---- issue 16: STS, SSO, credential_process ---- */

#define SA(lit, k) sts_parse_answer(lit, sizeof(lit) - 1, k, err, sizeof(err))

static void
sts_answers(void)
{
	struct cred_keys k;
	char err[512];	/* ERRLEN, as a fetch has */

	CHECK(SA("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/"
	    "2011-06-15/\"><AssumeRoleResult><AssumedRoleUser><Arn>x</Arn>"
	    "</AssumedRoleUser><Credentials>\n <AccessKeyId>ASIA1</AccessKeyId>"
	    "<SecretAccessKey>s/k+1</SecretAccessKey><SessionToken>t&amp;=="
	    "</SessionToken><Expiration>2026-12-06T17:00:00Z</Expiration>"
	    "</Credentials></AssumeRoleResult></AssumeRoleResponse>", &k) == 0);
	CHECK_STR(k.access_key, "ASIA1");
	CHECK_STR(k.secret_key, "s/k+1");
	CHECK_STR(k.token, "t&==");
	CHECK(k.expiration == 1796576400);
	cred_keys_free(&k);
	CHECK(SA("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
	    "</Code><Message>Not authorized</Message></Error></ErrorResponse>",
	    &k) == -1);
	CHECK_STR(err, "AccessDenied: Not authorized");
	CHECK(k.access_key == NULL);
	CHECK(SA("<R><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>"
	    "S</SecretAccessKey></Credentials></R>", &k) == -2 &&
	    strstr(err, "Expiration"));
	CHECK(SA("<R><AccessKeyId>A B</AccessKeyId><SecretAccessKey>S"
	    "</SecretAccessKey><Expiration>2026-12-06T17:00:00Z</Expiration>"
	    "</R>", &k) == -1 && strstr(err, "AccessKeyId"));
	CHECK(SA("<R><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
	    "</SecretAccessKey><Expiration>soon</Expiration></R>", &k) == -1 &&
	    strstr(err, "soon"));
	CHECK(SA("", &k) == -2 && SA("not xml", &k) == -2);
	/* A long Message is kept whole, not dropped for its length. */
	CHECK(SA("<ErrorResponse><Error><Code>AccessDenied</Code><Message>User:"
	    " arn:aws:sts::111122223333:assumed-role/cassandra-node/i-0123456"
	    "789abcdef0 is not authorized to perform: sts:AssumeRole on resour"
	    "ce: arn:aws:iam::444455556666:role/tablesnap-backup-writer-for-pr"
	    "oduction-cluster-eu-west-1 because no identity-based policy allow"
	    "s it</Message></Error></ErrorResponse>", &k) == -1);
	CHECK(strstr(err, "AccessDenied: User: arn:aws:sts::") == err &&
	    strstr(err, "because no identity-based policy allows it") != NULL);
}

#define PP(lit, k) sts_parse_process(lit, sizeof(lit) - 1, k, err, \
	sizeof(err))

static void
process_output(void)
{
	struct cred_keys k;
	char err[256];

	CHECK(PP("{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\":"
	    " \"S\", \"SessionToken\": \"T\", \"Expiration\": "
	    "\"2026-12-06T17:00:00Z\"}\n", &k) == 0);
	CHECK_STR(k.token, "T");
	CHECK(k.expiration == 1796576400);
	cred_keys_free(&k);
	/* Long-term keys: no token, no expiry. */
	CHECK(PP("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
	    "\"S\"}", &k) == 0 && k.token == NULL && k.expiration == 0);
	cred_keys_free(&k);
	CHECK(PP("{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
	    "\"S\"}", &k) == -1 && strstr(err, "Version"));
	CHECK(PP("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}", &k) ==
	    -1 && strstr(err, "Version"));
	CHECK(PP("{\"Version\":1,\"AccessKeyId\":\"A\"}", &k) == -1 &&
	    strstr(err, "SecretAccessKey"));
	CHECK(PP("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
	    "\"S\",\"Expiration\":\"tomorrow\"}", &k) == -1 &&
	    strstr(err, "tomorrow"));
	CHECK(PP("Enter your password:", &k) == -1 && strstr(err, "JSON"));
	CHECK(PP("[1]", &k) == -1 && strstr(err, "object"));
}

#define TOK(lit) sts_parse_sso_token(lit, sizeof(lit) - 1, &tok, &exp, err, \
	sizeof(err))

static void
sso_files(void)
{
	static const char role[] = "{\"roleCredentials\":{\"accessKeyId\":"
	    "\"ASIA2\",\"secretAccessKey\":\"S2\",\"sessionToken\":\"T2\","
	    "\"expiration\":1796576400123}}";
	struct cred_keys k;
	char err[256], name[STS_SSO_NAME_LEN], *tok;
	time_t exp;

	/* hashlib.sha1(b"corp").hexdigest(), as botocore names the file */
	sts_sso_cache_name("corp", name);
	CHECK_STR(name, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
	sts_sso_cache_name("https://example.awsapps.com/start", name);
	CHECK_STR(name, "e8be5486177c5b5392bd9aa76563515b29358e6e.json");
	/* FIPS 180 examples, and the lengths around the padding's edges. */
	{
		static const char *const v[][2] = {
			{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
			{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
			{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			    "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		};
		char buf[131];

		for (size_t i = 0; i < 3; i++) {
			sts_sso_cache_name(v[i][0], name);
			CHECK(strncmp(name, v[i][1], 40) == 0);
		}
		memset(buf, 'a', 55);
		buf[55] = '\0';
		sts_sso_cache_name(buf, name);
		CHECK_STR(name, "c1c8bbdc22796e28c0e15163d20899b65621d65a.json");
		memset(buf, 'a', 64);
		buf[64] = '\0';
		sts_sso_cache_name(buf, name);
		CHECK_STR(name, "0098ba824b5c16427bd7a1122a5a442a25ec644d.json");
		memset(buf, 'b', 130);
		buf[130] = '\0';
		sts_sso_cache_name(buf, name);
		CHECK_STR(name, "9aec7f62e945657b6b0af7e1171c578a7fe3b876.json");
	}
	CHECK(TOK("{\"accessToken\":\"abc\",\"expiresAt\":"
	    "\"2026-12-06T17:00:00Z\",\"region\":\"eu-west-1\"}") == 0);
	CHECK_STR(tok, "abc");
	CHECK(exp == 1796576400);
	free(tok);
	CHECK(TOK("{\"accessToken\":\"abc\",\"expiresAt\":"
	    "\"2026-12-06T17:00:00UTC\"}") == 0 && exp == 1796576400);
	free(tok);
	CHECK(TOK("{\"expiresAt\":\"2026-12-06T17:00:00Z\"}") == -1 &&
	    tok == NULL && strstr(err, "accessToken"));
	CHECK(TOK("{\"accessToken\":\"abc\",\"expiresAt\":\"never\"}") == -1 &&
	    strstr(err, "never"));
	CHECK(sts_parse_sso_role(role, sizeof(role) - 1, &k, err,
	    sizeof(err)) == 0);
	CHECK_STR(k.access_key, "ASIA2");
	CHECK_STR(k.token, "T2");
	CHECK(k.expiration == 1796576400);
	cred_keys_free(&k);
	CHECK(sts_parse_sso_role("{\"roleCredentials\":{\"accessKeyId\":\"A\"}}",
	    39, &k, err, sizeof(err)) == -1);
	CHECK(sts_parse_sso_role("{\"message\":\"x\"}", 15, &k, err,
	    sizeof(err)) == -1 && strstr(err, "roleCredentials"));
}

/* The words joined with '|', or "ERR <reason>". */
static void
split(const char *cmd, char *out, size_t cap)
{
	char err[128], **argv = sts_split_argv(cmd, err, sizeof(err));

	out[0] = '\0';
	if (argv == NULL) {
		snprintf(out, cap, "ERR %s", err);
		return;
	}
	for (char **a = argv; *a != NULL; a++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s",
		    a == argv ? "" : "|", *a);
	sts_argv_free(argv);
}

static void
process_words(void)
{
	/* Python's shlex.split on each left side gives the right side. */
	static const char *const cases[][2] = {
		{ "/usr/bin/helper --json", "/usr/bin/helper|--json" },
		{ "  a\t b\n", "a|b" },
		{ "a 'two words' \"and three  more\"",
		    "a|two words|and three  more" },
		{ "a\\ b c", "a b|c" },
		{ "'$HOME' \"`x`\" ;rm", "$HOME|`x`|;rm" },
		{ "\"q\\\"uote\\\\\" 'it\\'", "q\"uote\\|it\\" },
		{ "\"a\\b\"", "a\\b" },
		{ "x''y \"\"", "xy|" },
		{ "a#b", "a#b" },
		{ "'unclosed", "ERR a quotation (') is not closed" },
		{ "\"unclosed", "ERR a quotation (\") is not closed" },
		{ "trailing\\", "ERR it ends in a backslash" },
		{ "", "ERR it is empty" },
		{ " \t ", "ERR it is empty" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		split(cases[i][0], out, sizeof(out));
		CHECK_STR(out, cases[i][1]);
	}
}

#define PLAN(cred, conf, prof) cred_profile_plan(cred, conf, prof, out, \
	sizeof(out))

static void
profile_plans(void)
{
	static const char keys[] = "[base]\naws_access_key_id = A\n"
	    "aws_secret_access_key = S\n";
	char out[512];

	/* A chain: the description names each role and the keys at its end. */
	CHECK(PLAN(keys, "[profile top]\nrole_arn = R1\nsource_profile = mid\n"
	    "[profile mid]\nrole_arn = R2\nsource_profile = base\n", "top") ==
	    0);
	CHECK_STR(out, "role R1 of profile 'top', source role R2 of profile "
	    "'mid', source profile 'base' of the credentials file");
	/* Loops, named with their profiles, however long. */
	CHECK(PLAN(NULL, "[profile a]\nrole_arn = R\nsource_profile = a\n",
	    "a") == -1);
	CHECK_STR(out, "source_profile loop: profile 'a' -> 'a'");
	CHECK(PLAN(NULL, "[profile a]\nrole_arn = R\nsource_profile = b\n"
	    "[profile b]\nrole_arn = R\nsource_profile = c\n"
	    "[profile c]\nrole_arn = R\nsource_profile = b\n", "a") == -1);
	CHECK_STR(out, "source_profile loop: profile 'a' -> 'b' -> 'c' -> 'b'");
	/* A profile that is its own source with keys is no loop (botocore). */
	CHECK(PLAN(NULL, "[default]\nrole_arn = R\nsource_profile = default\n"
	    "aws_access_key_id = A\naws_secret_access_key = S\n", "default") ==
	    0);
	CHECK_STR(out, "role R of profile 'default', source profile 'default' "
	    "of the config file");
	/* A chain too long to be meant. */
	{
		char conf[4096] = "";

		for (int i = 0; i < 20; i++)
			snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf),
			    "[profile p%d]\nrole_arn = R\nsource_profile = p%d\n",
			    i, i + 1);
		CHECK(PLAN(keys, conf, "p0") == -1 && strstr(out, "more than"));
	}
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\nsource_profile = base\n"
	    "mfa_serial = arn:aws:iam::1:mfa/u\n", "a") == -1 &&
	    strstr(out, "mfa_serial") && strstr(out, "'a'"));
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\nsource_profile = nosuch\n",
	    "a") == -1 && strstr(out, "'nosuch'"));
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\nsource_profile = base\n"
	    "credential_source = Environment\n", "a") == -1 &&
	    strstr(out, "only one of"));
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\n", "a") == -1 &&
	    strstr(out, "either"));
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\ncredential_source = "
	    "Ec2\n", "a") == -1 && strstr(out, "'Ec2'"));
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\nsource_profile = base\n"
	    "duration_seconds = 1h\n", "a") == -1 && strstr(out, "'1h'"));
	CHECK(PLAN(keys, "[profile a]\nrole_arn = R\nsource_profile = base\n"
	    "endpoint_url = nope\n", "a") == -1 && strstr(out, "'nope'"));
	CHECK(PLAN(NULL, "[profile a]\nrole_arn = R\nsource_profile = e\n"
	    "[profile e]\nregion = x\n", "a") == -1 &&
	    strstr(out, "has no credentials"));
	/* Web identity; SSO; credential_process; plain keys. */
	CHECK(PLAN(NULL, "[profile w]\nweb_identity_token_file = /t\n"
	    "role_arn = R\n", "w") == 0);
	CHECK_STR(out, "web identity (role R)");
	CHECK(PLAN(NULL, "[profile w]\nweb_identity_token_file = /t\n", "w") ==
	    -1 && strstr(out, "AWS_ROLE_ARN"));
	CHECK(PLAN(NULL, "[profile s]\nsso_session = corp\nsso_account_id = 1\n"
	    "sso_role_name = B\n[sso-session corp]\nsso_region = eu-west-1\n"
	    "sso_start_url = https://x/start\n", "s") == 0);
	CHECK_STR(out, "SSO (account 1, role B)");
	CHECK(PLAN(NULL, "[profile s]\nsso_session = corp\nsso_account_id = 1\n"
	    "sso_role_name = B\n", "s") == -1 &&
	    strstr(out, "[sso-session corp]"));
	CHECK(PLAN(NULL, "[profile s]\nsso_start_url = https://x/start\n"
	    "sso_account_id = 1\nsso_role_name = B\n", "s") == -1 &&
	    strstr(out, "sso_region"));
	CHECK(PLAN(NULL, "[default]\ncredential_process = a 'b c\n",
	    "default") == -1 && strstr(out, "credential_process"));
	CHECK(PLAN(NULL, "[default]\ncredential_process = /bin/h --x\n",
	    "default") == 0);
	CHECK_STR(out, "credential_process of profile 'default'");
	/* Keys of the credentials file come before credential_process. */
	CHECK(PLAN("[default]\naws_access_key_id = A\naws_secret_access_key = "
	    "S\n", "[default]\ncredential_process = /bin/h\n", "default") == 1);
	CHECK(PLAN(keys, NULL, "base") == 1);
	CHECK(PLAN(NULL, NULL, "default") == 1);
}

void
test_creds(void)
{
	ini_dialect();
	ini_errors();
	profiles();
	refresh_rule();
	metadata_json();
	urls();
	keys();
	regions();
	fifo_refused();
	boto_sections();
	boto_precedence();
	boto_settings();
	boto_files();
	sts_answers();
	process_output();
	sso_files();
	process_words();
	profile_plans();
}
