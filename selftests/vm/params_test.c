// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig's module parameters have ranges: a value outside one is refused
 * (EINVAL, or ERANGE for one that is no unsigned int at all) when the
 * module is loaded and on every write to /sys/module/hostsig/parameters,
 * and the value in force stays. The arithmetic that uses them is safe for
 * every value inside (a page count in 32 bits, for one: max_component_mib
 * set to 4 Gi MiB used to truncate it and overrun an allocation).
 */
#include "hostsig_test.h"

static const struct {
	const char *name;
	long long min, max;
} writable[] = {
	{ "max_component_mib", 1, 1024 },
	{ "vm_max_components", 1, 65536 },
	{ "vm_max_pending_mib", 1, 1048576 },
	{ "vm_register_rate", 0, 1000000 },
	{ "vm_register_burst", 1, 1000000 },
	{ "keep_unloaded", 0, 4096 },
	{ "vm_max_retained_mib", 1, 1048576 },
	{ "vm_ring_share_pct", 1, 100 },
	{ "patch_settle_ms", 1, 60000 },
};

static bool refused(int ret)
{
	return ret == -EINVAL || ret == -ERANGE;
}

TEST(writable_parameters_have_ranges)
{
	unsigned int i;

	ASSERT_EQ(0, hostsig_module_reload(""));
	for (i = 0; i < ARRAY_SIZE(writable); i++) {
		const char *name = writable[i].name;
		long long v0 = hostsig_param_get(name);

		ASSERT_LE(writable[i].min, v0) TH_LOG("%s", name);
		ASSERT_GE(writable[i].max, v0) TH_LOG("%s", name);
		EXPECT_TRUE(refused(hostsig_param_set(name, writable[i].max + 1)))
			TH_LOG("%s = max + 1", name);
		EXPECT_TRUE(refused(hostsig_param_set(name, 0xffffffffll)))
			TH_LOG("%s = 2^32 - 1", name);
		EXPECT_TRUE(refused(hostsig_param_set(name, 1ll << 32)))
			TH_LOG("%s = 2^32", name);
		EXPECT_TRUE(refused(hostsig_param_set(name, -1)))
			TH_LOG("%s = -1", name);
		if (writable[i].min > 0)
			EXPECT_TRUE(refused(hostsig_param_set(name, writable[i].min - 1)))
				TH_LOG("%s = min - 1", name);
		EXPECT_EQ(v0, hostsig_param_get(name)) TH_LOG("%s", name);
		EXPECT_EQ(0, hostsig_param_set(name, writable[i].max)) TH_LOG("%s", name);
		EXPECT_EQ(writable[i].max, hostsig_param_get(name)) TH_LOG("%s", name);
		EXPECT_EQ(0, hostsig_param_set(name, writable[i].min)) TH_LOG("%s", name);
		EXPECT_EQ(writable[i].min, hostsig_param_get(name)) TH_LOG("%s", name);
		EXPECT_EQ(0, hostsig_param_set(name, v0));
	}
}

TEST(load_parameters_have_ranges)
{
	static const char *const bad[] = {
		"ring_size_mib=0", "ring_size_mib=3", "ring_size_mib=2048",
		"max_component_mib=4294967295", "max_component_mib=0",
		"vm_register_burst=0", "keep_unloaded=100000", "vm_ring_share_pct=101",
		"vm_max_retained_mib=0",
	};
	unsigned int i;
	int ret;

	ret = hostsig_module_unload();
	ASSERT_TRUE(ret == 0 || ret == -ENOENT);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_TRUE(refused(hostsig_module_load_params(bad[i]))) TH_LOG("%s", bad[i]);
		EXPECT_FALSE(hostsig_module_loaded()) TH_LOG("%s", bad[i]);
	}
	ASSERT_EQ(0, hostsig_module_load_params("ring_size_mib=2 max_component_mib=1024"));
	EXPECT_EQ(2, hostsig_param_get("ring_size_mib"));
	EXPECT_EQ(1024, hostsig_param_get("max_component_mib"));
	ASSERT_EQ(0, hostsig_module_reload(""));
}

TEST_HARNESS_MAIN
