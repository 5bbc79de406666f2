/* san_options.c: sanitizer settings built into tablesnap-asan and
 * tablesnap-tsan, so that they hold whatever environment a test passes. */

/*
 * Every report ends the process with status 23, which no tablesnap exit
 * status uses, and the system tests fail on the report in the log. An
 * ASAN_OPTIONS, UBSAN_OPTIONS or TSAN_OPTIONS in the environment is read
 * after these and wins.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__tsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "halt_on_error=1:exitcode=23:detect_leaks=1:"
	    "detect_stack_use_after_return=1:check_initialization_order=1:"
	    "strict_string_checks=1";
}

const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1:exitcode=23";
}

const char *
__tsan_default_options(void)
{
	return "halt_on_error=1:exitcode=23:second_deadlock_stack=1";
}
