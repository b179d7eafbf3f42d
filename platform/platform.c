/* --platform=NAME: pick a platform. "auto" prefers KVM where /dev/kvm works
 * and its probe passes, and falls back to ptrace, saying why under --debug. */
#include "platform/platform.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sentry/util.h"

/* The KVM platform is optional at link time (a build may leave it out). */
extern const struct platform_ops platform_kvm_ops __attribute__((weak));

static const struct platform_ops *by_name(const char *name)
{
	if (strcmp(name, "ptrace") == 0)
		return &platform_ptrace_ops;
	if (strcmp(name, "kvm") == 0 && &platform_kvm_ops)
		return &platform_kvm_ops;
	return NULL;
}

const struct platform_ops *platform_lookup(const char *name, const char **err)
{
	static char msg[256];
	struct platform_probe pr;

	if (strcmp(name, "auto") == 0) {
		if (&platform_kvm_ops) {
			memset(&pr, 0, sizeof(pr));
			if (platform_kvm_ops.probe(&pr) == 0 && pr.usable)
				return &platform_kvm_ops;
			rv_dbg("platform auto: kvm not usable (%s), using ptrace",
			       pr.why);
		}
		return &platform_ptrace_ops;
	}
	const struct platform_ops *ops = by_name(name);
	if (!ops) {
		snprintf(msg, sizeof(msg), "unknown platform %s (want auto, kvm or ptrace)", name);
		*err = msg;
		return NULL;
	}
	memset(&pr, 0, sizeof(pr));
	if (ops->probe(&pr) < 0 || !pr.usable) {
		snprintf(msg, sizeof(msg), "platform %s: %s", name, pr.why);
		*err = msg;
		return NULL;
	}
	return ops;
}
