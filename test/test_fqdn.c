/* test_fqdn.c: the default host name (-n), as Python's socket.getfqdn()
 * picks it: the choice among a host's names, and hosts-file lookups. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "../setup.h"
#include "unit.h"

static void
choose(void)
{
	static const struct {
		const char *names[4];
		size_t n;
		const char *want;
	} t[] = {
		/* Name only: the name. */
		{ { "myhost" }, 1, "myhost" },
		/* A dotted alias wins over an undotted canonical name. */
		{ { "myhost", "myhost.example.com" }, 2, "myhost.example.com" },
		/* The first dotted one, in order. */
		{ { "a", "b", "b.one", "c.two" }, 4, "b.one" },
		/* A dotted canonical name. */
		{ { "h.example.com", "h" }, 2, "h.example.com" },
		{ { "h.example.com", "h.other.org" }, 2, "h.example.com" },
		/* localhost first, no dot anywhere: the original's localhost. */
		{ { "localhost", "myhost" }, 2, "localhost" },
		/* No name at all. */
		{ { NULL }, 0, NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = setup_fqdn_choose(t[i].names, t[i].n);

		if (t[i].want == NULL)
			CHECK(got == NULL);
		else
			CHECK_STR(got, t[i].want);
	}
}

static void
hosts(void)
{
	static const struct {
		const char *text, *addr;
		int want;		/* setup_hosts_fqdn's result */
		const char *name;
	} t[] = {
		/* 127.0.0.1 to localhost, then the host: the original wrote
		 * localhost. */
		{ "127.0.0.1 localhost myhost\n", "127.0.0.1", 1, "localhost" },
		{ "127.0.0.1\tlocalhost\n127.0.1.1\tmyhost.example.com myhost\n",
		    "127.0.1.1", 1, "myhost.example.com" },
		/* The dotted alias. */
		{ "127.0.1.1 myhost myhost.example.com\n", "127.0.1.1", 1,
		    "myhost.example.com" },
		/* Name only. */
		{ "10.0.0.5 myhost\n", "10.0.0.5", 1, "myhost" },
		/* No entry: the caller asks DNS. */
		{ "127.0.0.1 localhost\n", "10.0.0.5", 0, NULL },
		{ "", "10.0.0.5", 0, NULL },
		/* Comments, blank lines, CRLF, an address without names, the
		 * first line with the address wins. */
		{ "# 10.0.0.5 commented.example\n\n10.0.0.5\n"
		    "10.0.0.5 first # x.y\r\n10.0.0.5 second.example\n",
		    "10.0.0.5", 1, "first" },
		/* The address compared as an address, not as text. */
		{ "::1 localhost ip6-localhost\nfe80::1 a b.c\n", "fe80::1", 1,
		    "b.c" },
		{ "fe80:0:0::1 a.b\n", "fe80::1", 1, "a.b" },
		/* No newline at the end. */
		{ "10.0.0.5 last.example", "10.0.0.5", 1, "last.example" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned char a[16];
		int af = strchr(t[i].addr, ':') ? AF_INET6 : AF_INET;
		int r;

		CHECK(inet_pton(af, t[i].addr, a) == 1);
		r = setup_hosts_fqdn(t[i].text, af, a, out, sizeof(out));
		CHECK(r == t[i].want);
		if (r == 1 && t[i].name != NULL)
			CHECK_STR(out, t[i].name);
	}
	/* A name longer than out is an error, never a shortened name. */
	{
		unsigned char a[4];

		CHECK(inet_pton(AF_INET, "10.0.0.5", a) == 1);
		CHECK(setup_hosts_fqdn("10.0.0.5 a.very.long.name\n", AF_INET,
		    a, out, 10) == -1);
	}
}

void
test_fqdn(void)
{
	choose();
	hosts();
}
