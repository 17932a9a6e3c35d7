/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/tsigkey.h"

#define DATA TEST_SRCDIR "/unit/data/"

/* The secrets of the fixtures made by tsig-keygen and keymgr -t (tests/unit/data). */
#define BIND_SHA256 "xCpEQk7yuSL3fUOeRhFarzixVygW9Rl9rhS9QUgdjz0="
#define KNOT_SHA256 "cW7WCiw1u5+GUSixXWQ0b+RJBFCrB0EhUPxLO34q5t0="
#define BIND_MD5    "z42YH+rVFkH+03CrEbp6/g=="
#define BIND_FIRST                                                                                 \
	"71tYMsCXlcXCkv0gcF6zWW09kYlSmPp95iPqAYsGhlJpL4UROGOmLcL3ECn4TiQ231aQzLL5B58+EBa8B6yfLw=="
#define BIND_SECOND "+7bZq2krQInFE3GMihzOBLNr96o="
#define KNOT_FIRST  "TYjqA8eVJKTV8UmQYSa7WvvC99SDznOu2Anhzw3jH3UIwyWsiqjdk9KF9L6pWQTk"
#define KNOT_SECOND "vkzvB2ftUC5T/trpBM7V/kG5aH1MC2bkHwqc4w=="

static void test_alg_names(void **state)
{
	static const struct {
		const char *name;
		kd_tsig_alg_t alg;
	} ok[] = {
	        {"hmac-md5", KD_TSIG_HMAC_MD5},
	        {"HMAC-MD5.SIG-ALG.REG.INT.", KD_TSIG_HMAC_MD5},
	        {"hmac-md5.sig-alg.reg.int", KD_TSIG_HMAC_MD5},
	        {"hmac-sha1", KD_TSIG_HMAC_SHA1},
	        {"hmac-sha224.", KD_TSIG_HMAC_SHA224},
	        {"HMAC-SHA256", KD_TSIG_HMAC_SHA256},
	        {"hmac-sha384", KD_TSIG_HMAC_SHA384},
	        {"Hmac-Sha512.", KD_TSIG_HMAC_SHA512},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		kd_tsig_alg_t alg = (kd_tsig_alg_t)99;
		if (kd_tsig_alg_from_name(ok[i].name, &alg) != 0)
			fail_msg("rejected %s", ok[i].name);
		assert_int_equal(alg, ok[i].alg);
	}
	static const char *const bad[] = {
	        "",
	        ".",
	        "md5",
	        "sha256",
	        "hmac-sha",
	        "hmac-sha256..",
	        "hmac-sha256 ",
	        "hmac-sha2560",
	        "hmac-md5.sig-alg",
	        "gss-tsig",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kd_tsig_alg_t alg = (kd_tsig_alg_t)99;
		if (kd_tsig_alg_from_name(bad[i], &alg) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(alg, 99);
	}
	kd_tsig_alg_t alg;
	assert_int_equal(kd_tsig_alg_from_name(NULL, &alg), -1);

	/* Every algorithm's name maps back to it (the publisher hands it to libknot). */
	for (int a = KD_TSIG_HMAC_MD5; a <= KD_TSIG_HMAC_SHA512; a++) {
		assert_int_equal(kd_tsig_alg_from_name(kd_tsig_alg_name((kd_tsig_alg_t)a), &alg),
		                 0);
		assert_int_equal(alg, a);
	}
	assert_string_equal(kd_tsig_alg_name(KD_TSIG_HMAC_SHA256), "hmac-sha256");
	assert_string_equal(kd_tsig_alg_name(KD_TSIG_HMAC_MD5), "hmac-md5");
}

static void test_base64(void **state)
{
	assert_true(kd_base64_valid(BIND_SHA256));
	assert_true(kd_base64_valid(KNOT_FIRST));
	assert_true(kd_base64_valid("YQ=="));
	assert_true(kd_base64_valid("YWI="));
	assert_true(kd_base64_valid("YWJj"));
	assert_true(kd_base64_valid("+/+/"));
	assert_false(kd_base64_valid(NULL));
	assert_false(kd_base64_valid(""));
	assert_false(kd_base64_valid("YQ="));
	assert_false(kd_base64_valid("YQ"));
	assert_false(kd_base64_valid("Y==="));
	assert_false(kd_base64_valid("===="));
	assert_false(kd_base64_valid("Y=Q="));
	assert_false(kd_base64_valid("YW J"));
	assert_false(kd_base64_valid("YWJ-"));
	assert_false(kd_base64_valid("YWJj\n"));
}

static void assert_key(const char *path, const char *want, const char *name, kd_tsig_alg_t alg,
                       const char *secret)
{
	kd_tsig_key_t key;
	kd_error_t err = {0};
	if (kd_tsig_key_load_file(path, want, &key, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(key.name, name);
	assert_int_equal(key.alg, alg);
	assert_string_equal(key.secret_b64, secret);
	kd_tsig_key_deinit(&key);
	assert_null(key.name);
	assert_null(key.secret_b64);
	kd_tsig_key_deinit(&key); /* twice is harmless */
}

static void test_fixtures(void **state)
{
	assert_key(DATA "bind-sha256.key", NULL, "kms-update", KD_TSIG_HMAC_SHA256, BIND_SHA256);
	assert_key(DATA "bind-sha256.key", "KMS-Update.", "kms-update", KD_TSIG_HMAC_SHA256,
	           BIND_SHA256);
	assert_key(DATA "knot-sha256.key", NULL, "kms-update", KD_TSIG_HMAC_SHA256, KNOT_SHA256);
	assert_key(DATA "knot-sha256.key", "kms-update", "kms-update", KD_TSIG_HMAC_SHA256,
	           KNOT_SHA256);
	assert_key(DATA "bind-md5.key", NULL, "legacy", KD_TSIG_HMAC_MD5, BIND_MD5);
	assert_key(DATA "bind-multi.key", "first.example", "first.example", KD_TSIG_HMAC_SHA512,
	           BIND_FIRST);
	assert_key(DATA "bind-multi.key", "second-key.", "second-key", KD_TSIG_HMAC_SHA1,
	           BIND_SECOND);
	assert_key(DATA "knot-multi.key", "first", "first", KD_TSIG_HMAC_SHA384, KNOT_FIRST);
	assert_key(DATA "knot-multi.key", "SECOND", "second", KD_TSIG_HMAC_SHA224, KNOT_SECOND);
}

static void assert_file_error(const char *path, const char *want, const char *msg)
{
	kd_tsig_key_t key;
	memset(&key, 0x5A, sizeof(key));
	kd_tsig_key_t before = key;
	kd_error_t err = {0};
	assert_int_equal(kd_tsig_key_load_file(path, want, &key, &err), -1);
	assert_memory_equal(&key, &before, sizeof(key)); /* untouched */
	char full[600];
	snprintf(full, sizeof(full), "%s%s", path, msg);
	assert_string_equal(err.msg, full);
}

static void test_pick_errors(void **state)
{
	assert_file_error(DATA "bind-multi.key", NULL,
	                  ": file holds 2 TSIG keys ('first.example', 'second-key'); "
	                  "name the one to use");
	assert_file_error(DATA "knot-multi.key", NULL,
	                  ": file holds 2 TSIG keys ('first', 'second'); name the one to use");
	assert_file_error(DATA "bind-multi.key", "third", ": TSIG key 'third' not found in file");
	assert_file_error(DATA "knot-sha256.key", "kms", ": TSIG key 'kms' not found in file");
	assert_file_error(DATA "does-not-exist.key", NULL,
	                  ": failed to read TSIG key file (No such file or directory)");
}

/* A fixed secret that the broken inputs below carry in every position. */
#define S "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw=="

static void assert_buf_error(const char *text, const char *want, const char *msg)
{
	kd_tsig_key_t key;
	memset(&key, 0x5A, sizeof(key));
	kd_tsig_key_t before = key;
	kd_error_t err = {0};
	if (kd_tsig_key_load_buf("k.key", text, strlen(text), want, &key, &err) != -1)
		fail_msg("accepted:\n%s", text);
	assert_memory_equal(&key, &before, sizeof(key));
	if (strcmp(err.msg, msg) != 0)
		fail_msg("error\n  got:  %s\n  want: %s", err.msg, msg);
	/* No part of a secret may leak into a message. */
	assert_null(strstr(err.msg, "c2VjcmV0"));
}

static void test_bind_errors(void **state)
{
	assert_buf_error("", NULL, "k.key: no TSIG key in file");
	assert_buf_error("# nothing\n// here\n/* at all */\n", NULL, "k.key: no TSIG key in file");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256\n\tsecret \"" S "\";\n};\n", NULL,
	                 "k.key:3:2: expected ';' after the clause");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256;\n\t\"" S "\";\n};\n", NULL,
	                 "k.key:3:2: expected 'algorithm', 'secret' or '}'");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256;\n\tsecrets \"" S "\";\n};\n", NULL,
	                 "k.key:3:2: expected 'algorithm', 'secret' or '}'");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256;\n\tsecret \"" S ";\n};\n", NULL,
	                 "k.key:3:9: unterminated string");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256;\n\tsecret \"" S "x\";\n};\n", NULL,
	                 "k.key:3:9: invalid base64 secret");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha255;\n\tsecret \"" S "\";\n};\n", NULL,
	                 "k.key:2:12: unknown TSIG algorithm 'hmac-sha255'");
	assert_buf_error("key \"a\" {\n\talgorithm \"" S "\";\n\tsecret \"" S "\";\n};\n", NULL,
	                 "k.key:2:12: unknown TSIG algorithm");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256;\n};\n", NULL,
	                 "k.key:1:1: key statement has no secret");
	assert_buf_error("\n  key \"a\" {\n\tsecret \"" S "\";\n};\n", NULL,
	                 "k.key:2:3: key statement has no algorithm");
	assert_buf_error("key \"a\" {\n\tsecret \"" S "\";\n\tsecret \"" S "\";\n};\n", NULL,
	                 "k.key:3:2: duplicate clause in key statement");
	assert_buf_error("key \"a\" {\n\talgorithm hmac-sha256;\n\tsecret \"" S "\";\n}\n", NULL,
	                 "k.key:5:1: expected ';' after '}'");
	assert_buf_error("key \"a\"\n\talgorithm hmac-sha256;\n", NULL,
	                 "k.key:2:2: expected '{' after the key name");
	assert_buf_error("keys \"a\" {};\n", NULL, "k.key:1:1: expected a 'key' statement");
	assert_buf_error("\"" S "\"\n", NULL, "k.key:1:1: expected a 'key' statement");
	assert_buf_error("key \"" S "\" {\n\talgorithm hmac-sha256;\n\tsecret \"" S "\";\n};\n",
	                 NULL, "k.key:1:1: invalid TSIG key name");
	assert_buf_error("key a { algorithm hmac-sha256; secret \"" S "\"; };\n"
	                 "/* unterminated\n",
	                 NULL, "k.key:2:1: unterminated comment");
	assert_buf_error("key a { algorithm hmac-sha256; secret \"" S "\"; };\n"
	                 "key A. { algorithm hmac-sha1; secret \"" S "\"; };\n",
	                 "a", "k.key:2:1: duplicate TSIG key 'a'");
	assert_buf_error("key a { algorithm hmac-sha256; secret " S "x; };\n", NULL,
	                 "k.key:1:39: invalid base64 secret");
}

static void test_nul_bytes(void **state)
{
	/* A NUL inside the secret must not silently shorten it. */
	static const char text[] = "key a { algorithm hmac-sha256; secret \"YWJj\0YWJj\"; };";
	kd_tsig_key_t key;
	kd_error_t err = {0};
	assert_int_equal(kd_tsig_key_load_buf("k.key", text, sizeof(text) - 1, NULL, &key, &err),
	                 -1);
	assert_string_equal(err.msg, "k.key:1:39: unexpected NUL byte");
	static const char text2[] = "key a { algorithm hmac-sha256;\0 secret \"YWJj\"; };";
	assert_int_equal(kd_tsig_key_load_buf("k.key", text2, sizeof(text2) - 1, NULL, &key, &err),
	                 -1);
	assert_string_equal(err.msg, "k.key:1:31: unexpected character");
}

#define ALGS " (hmac-sha256, hmac-sha1, hmac-sha224, hmac-sha384, hmac-sha512, hmac-md5)"

static void test_knot_errors(void **state)
{
	assert_buf_error("key:\n  - id: a\n    algorithm: hmac-sha256\n    secret: " S "x\n", NULL,
	                 "k.key:4:13: key 'secret': invalid base64 secret");
	assert_buf_error("key:\n  - id: a\n    algorithm: hmac-sha999\n    secret: " S "\n", NULL,
	                 "k.key:3:16: key 'algorithm': unknown TSIG algorithm 'hmac-sha999'" ALGS);
	assert_buf_error("key:\n  - id: a\n    algorithm: " S "\n    secret: " S "\n", NULL,
	                 "k.key:3:16: key 'algorithm': unknown TSIG algorithm" ALGS);
	assert_buf_error("key:\n  - id: a\n    algorithm: hmac-sha256\n", NULL,
	                 "k.key:2:5: missing required key 'secret'");
	assert_buf_error("key:\n  - id: a\n    algorithm: hmac-sha256\n    secret:" S "\n", NULL,
	                 "k.key:5:1: invalid YAML (could not find expected ':' while scanning a "
	                 "simple key at 4:5)");
	assert_buf_error("key:\n  - id: a\n    algo: hmac-sha256\n    secret: " S "\n", NULL,
	                 "k.key:3:5: unknown key 'algo'");
	assert_buf_error("# hmac-sha256:a:" S "\nkey:\n  - id: a b\n    algorithm: hmac-sha256\n"
	                 "    secret: " S "\n",
	                 NULL, "k.key:3:5: invalid TSIG key name");
	assert_buf_error("key:\n  - id: a\n    algorithm: hmac-sha256\n    secret: \"" S "\n", NULL,
	                 "k.key:5:1: invalid YAML (found unexpected end of stream while scanning "
	                 "a quoted scalar at 4:13)");
	assert_buf_error("key:\n  - id: a\n    algorithm: hmac-sha256\n    secret: " S "\n"
	                 "  - id: A.\n    algorithm: hmac-sha256\n    secret: " S "\n",
	                 NULL, "k.key:5:5: duplicate TSIG key 'a'");
	assert_buf_error("---\nkey: []\n", NULL, "k.key: no TSIG key in file");
}

static void test_buf_ok(void **state)
{
	/* An unquoted secret and the key on one line are fine for BIND. */
	const char *text = "key kms { algorithm hmac-sha384; secret " S "; };";
	kd_tsig_key_t key;
	kd_error_t err = {0};
	assert_int_equal(kd_tsig_key_load_buf("k.key", text, strlen(text), NULL, &key, &err), 0);
	assert_string_equal(key.name, "kms");
	assert_int_equal(key.alg, KD_TSIG_HMAC_SHA384);
	assert_string_equal(key.secret_b64, S);
	kd_tsig_key_deinit(&key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_alg_names),   cmocka_unit_test(test_base64),
	        cmocka_unit_test(test_fixtures),    cmocka_unit_test(test_pick_errors),
	        cmocka_unit_test(test_bind_errors), cmocka_unit_test(test_nul_bytes),
	        cmocka_unit_test(test_knot_errors), cmocka_unit_test(test_buf_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
