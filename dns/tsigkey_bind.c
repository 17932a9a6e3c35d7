/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/tsigkey_int.h"

/* BIND's key statement: key "name" { algorithm hmac-sha256; secret "base64"; };
 * Comments: '#' and '//' to the end of the line, C-style blocks. Token text is never copied
 * into an error message: a misplaced secret could be any token. */

typedef enum { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI, T_ERROR } tok_type_t;

typedef struct {
	tok_type_t type;
	const char *text; /* WORD: the word; STRING: inside the quotes */
	size_t len;
	kd_mark_t mark;
} tok_t;

typedef struct {
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned line, col;
	kd_error_t *err;
} lex_t;

static char peek(const lex_t *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? lx->buf[lx->pos + ahead] : '\0';
}

static void advance(lex_t *lx)
{
	if (lx->buf[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static kd_mark_t here(const lex_t *lx)
{
	kd_mark_t m = {lx->line, lx->col};
	return m;
}

/* Skip blanks and comments. Returns -1 on an unterminated block comment. */
static int skip_space(lex_t *lx)
{
	while (lx->pos < lx->len) {
		char c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
			advance(lx);
		} else if (c == '#' || (c == '/' && peek(lx, 1) == '/')) {
			while (lx->pos < lx->len && peek(lx, 0) != '\n')
				advance(lx);
		} else if (c == '/' && peek(lx, 1) == '*') {
			kd_mark_t start = here(lx);
			advance(lx);
			advance(lx);
			while (lx->pos < lx->len && !(peek(lx, 0) == '*' && peek(lx, 1) == '/'))
				advance(lx);
			if (lx->pos >= lx->len) {
				kd_error_set(lx->err, lx->file, start, "unterminated comment");
				return -1;
			}
			advance(lx);
			advance(lx);
		} else {
			break;
		}
	}
	return 0;
}

static bool is_word_char(const lex_t *lx)
{
	char c = peek(lx, 0);
	if (c == '\0' || strchr(" \t\r\n\f\v{};\"#", c) != NULL)
		return false;
	return !(c == '/' && (peek(lx, 1) == '/' || peek(lx, 1) == '*'));
}

static tok_t next_token(lex_t *lx)
{
	tok_t t = {T_ERROR, NULL, 0, {0, 0}};
	if (skip_space(lx) != 0)
		return t;
	t.mark = here(lx);
	if (lx->pos >= lx->len) {
		t.type = T_EOF;
		return t;
	}
	char c = peek(lx, 0);
	if (c == '{' || c == '}' || c == ';') {
		t.type = c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : T_SEMI;
		advance(lx);
		return t;
	}
	if (c == '"') {
		advance(lx);
		t.text = lx->buf + lx->pos;
		while (lx->pos < lx->len && peek(lx, 0) != '"' && peek(lx, 0) != '\n')
			advance(lx);
		if (peek(lx, 0) != '"') {
			kd_error_set(lx->err, lx->file, t.mark, "unterminated string");
			return t;
		}
		t.len = (size_t)(lx->buf + lx->pos - t.text);
		advance(lx);
		t.type = T_STRING;
		return t;
	}
	t.text = lx->buf + lx->pos;
	while (is_word_char(lx))
		advance(lx);
	t.len = (size_t)(lx->buf + lx->pos - t.text);
	if (t.len == 0) { /* a NUL byte */
		kd_error_set(lx->err, lx->file, t.mark, "unexpected character");
		return t;
	}
	t.type = T_WORD;
	return t;
}

static bool tok_is(const tok_t *t, const char *word)
{
	return t->type == T_WORD && strlen(word) == t->len &&
	       strncasecmp(t->text, word, t->len) == 0;
}

/* Read the next token; it must be of the given type, else report "expected <what>". */
static int expect(lex_t *lx, tok_type_t type, const char *what, tok_t *out)
{
	tok_t t = next_token(lx);
	if (t.type == T_ERROR)
		return -1;
	if (t.type != type && !(type == T_WORD && t.type == T_STRING)) {
		kd_error_set(lx->err, lx->file, t.mark, "expected %s", what);
		return -1;
	}
	*out = t;
	return 0;
}

static char *tok_dup(lex_t *lx, const tok_t *t)
{
	if (memchr(t->text, '\0', t->len) != NULL) {
		kd_error_set(lx->err, lx->file, t->mark, "unexpected NUL byte");
		return NULL;
	}
	char *s = strndup(t->text, t->len);
	if (s == NULL)
		kd_error_set(lx->err, lx->file, t->mark, "out of memory");
	return s;
}

static int parse_algorithm(lex_t *lx, kd_tsig_alg_t *alg)
{
	tok_t t;
	if (expect(lx, T_WORD, "an algorithm name", &t) != 0)
		return -1;
	char name[40];
	if (t.len >= sizeof(name)) {
		kd_error_set(lx->err, lx->file, t.mark, "unknown TSIG algorithm");
		return -1;
	}
	memcpy(name, t.text, t.len);
	name[t.len] = '\0';
	if (kd_tsig_alg_from_name(name, alg) == 0)
		return 0;
	if (strncasecmp(name, "hmac-", 5) == 0)
		kd_error_set(lx->err, lx->file, t.mark, "unknown TSIG algorithm '%s'", name);
	else
		kd_error_set(lx->err, lx->file, t.mark, "unknown TSIG algorithm");
	return -1;
}

static int parse_secret(lex_t *lx, char **secret)
{
	tok_t t;
	if (expect(lx, T_WORD, "a quoted base64 secret", &t) != 0)
		return -1;
	char *s = tok_dup(lx, &t);
	if (s == NULL)
		return -1;
	if (!kd_base64_valid(s)) {
		kd_tsig_secret_free(s);
		kd_error_set(lx->err, lx->file, t.mark, "invalid base64 secret");
		return -1;
	}
	free(*secret);
	*secret = s;
	return 0;
}

/* After "key": name { clauses }; */
static int parse_key(lex_t *lx, kd_mark_t start, kd_keylist_t *list)
{
	tok_t t;
	char *name = NULL, *secret = NULL;
	bool have_alg = false;
	kd_tsig_alg_t alg = KD_TSIG_HMAC_SHA256;
	if (expect(lx, T_WORD, "a key name", &t) != 0 || (name = tok_dup(lx, &t)) == NULL ||
	    expect(lx, T_LBRACE, "'{' after the key name", &t) != 0)
		goto fail;
	for (;;) {
		t = next_token(lx);
		if (t.type == T_RBRACE)
			break;
		if (tok_is(&t, "algorithm") && !have_alg) {
			if (parse_algorithm(lx, &alg) != 0)
				goto fail;
			have_alg = true;
		} else if (tok_is(&t, "secret") && secret == NULL) {
			if (parse_secret(lx, &secret) != 0)
				goto fail;
		} else {
			if (t.type != T_ERROR)
				kd_error_set(lx->err, lx->file, t.mark,
				             tok_is(&t, "algorithm") || tok_is(&t, "secret")
				                     ? "duplicate clause in key statement"
				                     : "expected 'algorithm', 'secret' or '}'");
			goto fail;
		}
		if (expect(lx, T_SEMI, "';' after the clause", &t) != 0)
			goto fail;
	}
	if (expect(lx, T_SEMI, "';' after '}'", &t) != 0)
		goto fail;
	if (!have_alg || secret == NULL) {
		kd_error_set(lx->err, lx->file, start, "key statement has no %s",
		             have_alg ? "secret" : "algorithm");
		goto fail;
	}
	return kd_keylist_add(list, lx->file, start, name, alg, secret, lx->err);
fail:
	free(name);
	kd_tsig_secret_free(secret);
	return -1;
}

int kd_tsig_parse_bind(const char *file, const char *buf, size_t len, kd_keylist_t *list,
                       kd_error_t *err)
{
	lex_t lx = {file, buf, len, 0, 1, 1, err};
	for (;;) {
		tok_t t = next_token(&lx);
		if (t.type == T_EOF)
			return 0;
		if (t.type == T_ERROR)
			return -1;
		if (!tok_is(&t, "key")) {
			kd_error_set(err, file, t.mark, "expected a 'key' statement");
			return -1;
		}
		if (parse_key(&lx, t.mark, list) != 0)
			return -1;
	}
}
