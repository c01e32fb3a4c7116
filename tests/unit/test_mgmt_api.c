/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the management API without sockets: the request handler
 * and HTTP framing (control/mgmt/mgmt_api.c, mgmt_http.c) on a backend
 * that keeps its configuration in memory, and the YAML round trip of
 * candidate configurations (mgmt_yaml.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/mgmt/mgmt_api.h"
#include "control/mgmt/mgmt_http.h"
#include "control/mgmt/mgmt_yaml.h"

/* Every key of docs/config.md, most with a value other than the default. */
static const char full_config[] =
	"lcores: \"0-3\"\n"
	"workers: 2\n"
	"ports: [\"net_pcap0,iface=eth1\"]\n"
	"sip_ports: [5060, 5080]\n"
	"kms:\n"
	"  url: \"https://127.0.0.1:8443/mikey\"\n"
	"  ca_file: \"kms-ca.pem\"\n"
	"  cert_file: \"li.pem\"\n"
	"  key_file: \"li.key\"\n"
	"  identity: \"sip:li@lime.test\"\n"
	"  kms_identity: \"sip:kms@lime.test\"\n"
	"  psk_hex: \"000102030405060708090a0b0c0d0e0f1011\"\n"
	"  timeout_ms: 1500\n"
	"  skew_s: 60\n"
	"  rate_limit: 7\n"
	"  source_rate_limit: 3\n"
	"  retries: 4\n"
	"  mode: \"both\"\n"
	"intercepts:\n"
	"  - liid: \"LIID-1\"\n"
	"    targets: [\"sip:alice@ims.test\", \"tel:+15550100\"]\n"
	"    start: \"2026-01-01T00:00:00.25Z\"\n"
	"    end: \"2027-01-01T00:00:00+01:00\"\n"
	"    agency: \"lea-1\"\n"
	"agencies:\n"
	"  - name: \"lea-1\"\n"
	"    hi2: \"127.0.0.1:9002\"\n"
	"    hi3: \"[::1]:9003\"\n"
	"    tls: true\n"
	"    ca_file: \"lea-ca.pem\"\n"
	"    authorization_country: \"DE\"\n"
	"    delivery_country: \"FR\"\n"
	"    operator_id: \"OPER \\\"quoted\\\" \\u00e9\"\n"
	"    network_element_id: \"lime-1\"\n"
	"    keepalive_s: 0\n"
	"    oid_domain_id: \"0.4.0.2.2.5.1.16\"\n"
	"    oid_ipmm_iri: \"5.5.5.1\"\n"
	"    oid_ipmm_cc: \"5.5.5.2\"\n"
	"  - name: \"lea-2\"\n"
	"    hi2: \"lemf.example:9002\"\n"
	"    hi3: \"lemf.example:9003\"\n"
	"spool_dir: \"/tmp/spool\"\n"
	"eal_args: [\"--log-level=7\"]\n"
	"stats_interval_s: 0\n"
	"mbufs: 4095\n"
	"rx_ring_size: 512\n"
	"sip_ring_size: 1024\n"
	"worker_ring_size: 2048\n"
	"max_flows: 1000\n"
	"frag_max_datagrams: 10\n"
	"frag_timeout_ms: 100\n"
	"tcp_max_streams: 100\n"
	"tcp_max_stream_bytes: 100000\n"
	"tcp_max_total_bytes: 1000000\n"
	"tcp_idle_timeout_s: 60\n"
	"sip_max_message: 4096\n"
	"vxlan_port: 0\n"
	"max_dialogs: 100\n"
	"dialog_timeout_s: 600\n"
	"early_dialog_timeout_s: 60\n"
	"metrics_listen: \"127.0.0.1:9464\"\n"
	"spool_quota_mb: 10\n"
	"keepalive_wait_s: 2\n"
	"delivery_memory_mb: 8\n"
	"io_backend: \"epoll\"\n"
	"management:\n"
	"  listen: \"127.0.0.1:8444\"\n"
	"  cert_file: \"mgmt.pem\"\n"
	"  key_file: \"mgmt.key\"\n"
	"  client_ca_file: \"ops-ca.pem\"\n"
	"  audit_file: \"/tmp/audit.log\"\n"
	"  max_request_bytes: 2048\n";

/* A backend whose configuration in force is cfg; apply replaces it. */
struct memory_backend {
	struct lime_config *cfg;
	int applied;
	int apply_status;          /* 0, or the status apply returns */
};

static struct lime_config *memory_snapshot(void *ctx, const void **version,
					   char *err, size_t err_len)
{
	struct memory_backend *mb = ctx;

	*version = mb->cfg;
	return mgmt_candidate_build(mb->cfg, NULL, err, err_len);
}

static int memory_apply(void *ctx, struct lime_config *candidate, const void *version,
			char *err, size_t err_len)
{
	struct memory_backend *mb = ctx;

	assert_ptr_equal(version, mb->cfg);
	if (mb->apply_status != 0) {
		lime_config_free(candidate);
		snprintf(err, err_len, "apply failed in the test");
		return mb->apply_status;
	}
	lime_config_free(mb->cfg);
	mb->cfg = candidate;
	mb->applied++;
	return 0;
}

static struct memory_backend backend_state;
static struct mgmt_backend backend = {
	.ctx = &backend_state,
	.snapshot = memory_snapshot,
	.apply = memory_apply,
};

static int load_full(void **state)
{
	char err[512];

	(void)state;
	memset(&backend_state, 0, sizeof(backend_state));
	backend_state.cfg = lime_config_load_buffer(full_config, strlen(full_config),
						    err, sizeof(err));
	if (backend_state.cfg == NULL)
		fail_msg("test configuration rejected: %s", err);
	return 0;
}

static int free_full(void **state)
{
	(void)state;
	lime_config_free(backend_state.cfg);
	backend_state.cfg = NULL;
	return 0;
}

/* Sends one request; returns the status and leaves the response in resp. */
static int call(const char *method, const char *path, const char *body,
		struct mgmt_response *resp)
{
	struct mgmt_request req = {
		.method = method,
		.path = path,
		.content_type = body != NULL ? "application/json" : NULL,
		.body = body,
		.body_len = body != NULL ? strlen(body) : 0,
	};

	mgmt_handle(&backend, &req, resp);
	return resp->status;
}

static void expect_status(const char *method, const char *path, const char *body,
			  int status, const char *body_part)
{
	struct mgmt_response resp;
	int got = call(method, path, body, &resp);

	if (got != status)
		fail_msg("%s %s: status %d, expected %d: %.*s", method, path, got, status,
			 (int)resp.body_len, resp.body != NULL ? resp.body : "");
	if (body_part != NULL && (resp.body == NULL || strstr(resp.body, body_part) == NULL))
		fail_msg("%s %s: body %.*s lacks %s", method, path, (int)resp.body_len,
			 resp.body != NULL ? resp.body : "", body_part);
	mgmt_response_free(&resp);
}

static void round_trip_keeps_every_key(void **state)
{
	(void)state;
	const struct lime_config *a = backend_state.cfg;
	char err[512];
	struct lime_config *b = mgmt_candidate_build(a, NULL, err, sizeof(err));

	if (b == NULL)
		fail_msg("round trip rejected: %s", err);
	assert_string_equal(b->lcores, a->lcores);
	assert_int_equal(b->workers, 2);
	assert_int_equal(b->n_sip_ports, 2);
	assert_int_equal(b->sip_ports[1], 5080);
	assert_true(b->kms.present);
	assert_int_equal(b->kms.psk_len, a->kms.psk_len);
	assert_memory_equal(b->kms.psk, a->kms.psk, a->kms.psk_len);
	assert_int_equal(b->kms.retries, 4);
	assert_int_equal(b->kms.skew_s, 60);
	assert_string_equal(b->kms.mode, "both");
	assert_int_equal(b->intercepts[0].start_us, a->intercepts[0].start_us);
	assert_int_equal(b->intercepts[0].end_us, a->intercepts[0].end_us);
	assert_string_equal(b->agencies[0].operator_id, a->agencies[0].operator_id);
	assert_true(b->agencies[0].tls);
	assert_int_equal(b->agencies[0].keepalive_s, 0);
	assert_int_equal(b->agencies[0].oids.domain_id.arcs[7], 16);
	assert_int_equal(b->agencies[1].keepalive_s, 30);
	assert_string_equal(b->eal_args[0], "--log-level=7");
	assert_int_equal(b->tcp_max_total_bytes, 1000000);
	assert_int_equal(b->vxlan_port, 0);
	assert_string_equal(b->metrics_listen, "127.0.0.1:9464");
	assert_string_equal(b->io_backend, "epoll");
	assert_int_equal(b->delivery_memory_mb, 8);
	assert_true(b->management.present);
	assert_string_equal(b->management.audit_file, "/tmp/audit.log");
	assert_int_equal(b->management.max_request_bytes, 2048);
	lime_config_free(b);
}

static char *read_source(const char *root, const char *path)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s/%s", root, path);

	FILE *f = fopen(full, "r");
	if (f == NULL)
		fail_msg("cannot open %s", full);
	char *text = calloc(1, 1 << 20);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/*
 * A configuration key that mgmt_yaml.c does not write would silently get
 * its default in every change made through the API, so every key of the
 * loader's tables must appear there as a quoted name.
 */
static void serializer_lists_every_key(void **state)
{
	(void)state;
	const char *root = getenv("LIME_SOURCE_ROOT");
	if (root == NULL)
		skip();

	char *loader = read_source(root, "control/config.c");
	char *writer = read_source(root, "control/mgmt/mgmt_yaml.c");
	int missing = 0;
	for (const char *p = loader; (p = strstr(p, ".key = \"")) != NULL;) {
		p += strlen(".key = \"");
		const char *end = strchr(p, '"');
		char quoted[96];
		snprintf(quoted, sizeof(quoted), "\"%.*s\"", (int)(end - p), p);
		if (strstr(writer, quoted) == NULL) {
			print_error("key %s of control/config.c is not written by "
				    "control/mgmt/mgmt_yaml.c\n", quoted);
			missing++;
		}
	}
	free(loader);
	free(writer);
	assert_int_equal(missing, 0);
}

static void list_and_get(void **state)
{
	(void)state;
	expect_status("GET", "/v1/intercepts", NULL, 200, "\"liid\":\"LIID-1\"");
	expect_status("GET", "/v1/intercepts/LIID-1", NULL, 200,
		      "\"start\":\"2026-01-01T00:00:00.250000Z\"");
	expect_status("GET", "/v1/agencies/lea-1", NULL, 200, "\"oid_ipmm_cc\":\"5.5.5.2\"");
	expect_status("GET", "/v1/agencies/", NULL, 200, "\"lea-2\"");
	expect_status("GET", "/v1/intercepts/LIID-9", NULL, 404, "no intercept named");
}

static void no_key_material_in_answers(void **state)
{
	(void)state;
	struct mgmt_response resp;

	call("GET", "/v1/agencies", NULL, &resp);
	assert_null(strstr(resp.body, "psk"));
	assert_null(strstr(resp.body, "0a0b0c"));
	mgmt_response_free(&resp);
}

static void add_replace_delete(void **state)
{
	(void)state;
	expect_status("POST", "/v1/intercepts",
		      "{\"liid\": \"LIID-2\", \"targets\": [\"sip:bob@ims.test\"], \"agency\": \"lea-2\"}",
		      201, "\"liid\":\"LIID-2\"");
	assert_int_equal(backend_state.cfg->n_intercepts, 2);
	assert_string_equal(backend_state.cfg->intercepts[1].agency, "lea-2");
	/* The key of the new candidate is the key in force. */
	assert_int_equal(backend_state.cfg->kms.psk[17], 0x11);

	expect_status("PUT", "/v1/intercepts/LIID-2",
		      "{\"targets\": [\"sip:carol@ims.test\"], \"agency\": \"lea-1\", \"liid\": \"LIID-2\"}",
		      200, "carol");
	assert_string_equal(backend_state.cfg->intercepts[1].targets[0], "sip:carol@ims.test");

	expect_status("DELETE", "/v1/agencies/lea-2", NULL, 200, "\"name\":\"lea-2\"");
	assert_int_equal(backend_state.cfg->n_agencies, 1);
	expect_status("DELETE", "/v1/intercepts/LIID-2", NULL, 200, "carol");
	assert_int_equal(backend_state.cfg->n_intercepts, 1);
	assert_int_equal(backend_state.applied, 4);
}

static void percent_encoded_name(void **state)
{
	(void)state;
	expect_status("POST", "/v1/intercepts",
		      "{\"liid\": \"A/B%\", \"targets\": [\"sip:d@ims.test\"], \"agency\": \"lea-1\"}",
		      201, NULL);
	expect_status("GET", "/v1/intercepts/A%2FB%25", NULL, 200, "\"A/B%\"");
	expect_status("GET", "/v1/intercepts/A/B", NULL, 404, "invalid name");
	expect_status("GET", "/v1/intercepts/A%2", NULL, 404, "invalid name");
}

static void rejected_changes_apply_nothing(void **state)
{
	(void)state;
	expect_status("POST", "/v1/intercepts", "{\"liid\": \"LIID-1\", \"targets\": [\"sip:x@y\"],"
		      " \"agency\": \"lea-1\"}", 409, "already exists");
	expect_status("POST", "/v1/intercepts", "{\"liid\": 5}", 400, "must be a string");
	expect_status("POST", "/v1/intercepts", "{\"liid\": \"L\", \"x\": 1}", 400, "unknown field \\\"x\\\"");
	expect_status("POST", "/v1/intercepts", "[1]", 400, "must be a JSON object");
	expect_status("POST", "/v1/intercepts", "{", 400, "invalid JSON");
	expect_status("POST", "/v1/intercepts", "{\"liid\": \"L\", \"targets\": [\"mailto:x@y\"],"
		      " \"agency\": \"lea-1\"}", 422, "a target must be a URI starting with sip:");
	expect_status("POST", "/v1/intercepts", "{\"liid\": \"L\", \"targets\": [\"sip:x@y\"],"
		      " \"agency\": \"lea-1\", \"start\": \"2027-01-01T00:00:00Z\","
		      " \"end\": \"2026-01-01T00:00:00Z\"}", 422, "is not before");
	expect_status("POST", "/v1/intercepts", "{\"targets\": [\"sip:x@y\"], \"agency\": \"lea-1\"}",
		      422, "missing required key \\\"liid\\\"");
	expect_status("PUT", "/v1/intercepts/LIID-1", "{\"liid\": \"OTHER\"}", 400, "differs from the name");
	expect_status("PUT", "/v1/intercepts/LIID-9", "{}", 404, "no intercept named");
	expect_status("DELETE", "/v1/agencies/lea-1", NULL, 409, "in use by intercept");
	expect_status("POST", "/v1/agencies", "{\"name\": \"lea-3\", \"hi2\": \"x\", \"hi3\": \"y:1\"}",
		      422, "expected host:port");
	expect_status("POST", "/v1/agencies", "{\"name\": \"lea-3\", \"hi2\": \"h:1\", \"hi3\": \"h:2\","
		      " \"keepalive_s\": 1.5}", 400, "must be an integer");
	expect_status("POST", "/v1/agencies", "{\"name\": \"lea-3\", \"hi2\": \"h:1\", \"hi3\": \"h:2\","
		      " \"keepalive_s\": -1}", 422, "negative numbers");
	expect_status("PATCH", "/v1/intercepts", NULL, 405, "GET, POST");
	expect_status("GET", "/v2/intercepts", NULL, 404, "unknown path");
	assert_int_equal(backend_state.applied, 0);
	assert_int_equal(backend_state.cfg->n_intercepts, 1);
}

static void failed_apply_is_reported(void **state)
{
	(void)state;
	backend_state.apply_status = 409;
	expect_status("POST", "/v1/intercepts", "{\"liid\": \"LIID-3\", \"targets\": [\"sip:x@y\"],"
		      " \"agency\": \"lea-1\"}", 409, "apply failed in the test");
	backend_state.apply_status = 0;
	assert_int_equal(backend_state.cfg->n_intercepts, 1);
}

static void content_type_checked(void **state)
{
	(void)state;
	struct mgmt_response resp;
	struct mgmt_request req = {
		.method = "POST", .path = "/v1/intercepts", .content_type = "text/json",
		.body = "{}", .body_len = 2,
	};

	mgmt_handle(&backend, &req, &resp);
	assert_int_equal(resp.status, 415);
	assert_true(resp.change);
	mgmt_response_free(&resp);

	req.content_type = "Application/JSON; charset=utf-8";
	mgmt_handle(&backend, &req, &resp);
	assert_int_equal(resp.status, 422);
	mgmt_response_free(&resp);
}

/* Asserts that the management section yaml is rejected naming expected_problem. */
static void assert_section_rejected(const char *section, const char *expected_problem)
{
	char text[1024];
	char err[512];

	snprintf(text, sizeof(text), "lcores: \"0-1\"\nmanagement:\n%s", section);
	struct lime_config *cfg = lime_config_load_buffer(text, strlen(text), err, sizeof(err));
	if (cfg != NULL)
		fail_msg("accepted management section:\n%s", section);
	if (strstr(err, expected_problem) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, expected_problem);
}

static void management_section_checked(void **state)
{
	(void)state;
	const char *files = "  cert_file: \"c.pem\"\n  key_file: \"c.key\"\n"
			    "  client_ca_file: \"ca.pem\"\n";
	char section[512];
	char err[512];

	snprintf(section, sizeof(section), "lcores: \"0-1\"\nmanagement:\n  listen: \"[::1]:8444\"\n%s",
		 files);
	struct lime_config *cfg = lime_config_load_buffer(section, strlen(section), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("valid management section rejected: %s", err);
	assert_true(cfg->management.present);
	assert_int_equal(cfg->management.max_request_bytes, 65536);
	assert_null(cfg->management.audit_file);
	lime_config_free(cfg);

	snprintf(section, sizeof(section), "%s", files);
	assert_section_rejected(section, "missing required key \"listen\" in management");
	snprintf(section, sizeof(section), "  listen: \"127.0.0.1\"\n%s", files);
	assert_section_rejected(section, "expected host:port");
	snprintf(section, sizeof(section), "  listen: \"127.0.0.1:1\"\n%s  colour: red\n", files);
	assert_section_rejected(section, "unknown key \"colour\" in management");
	snprintf(section, sizeof(section), "  listen: \"127.0.0.1:1\"\n%s  max_request_bytes: 100\n",
		 files);
	assert_section_rejected(section, "use an integer from 1024 to 16777216");
	assert_section_rejected("  listen: \"127.0.0.1:1\"\n  cert_file: \"c.pem\"\n"
				"  key_file: \"c.key\"\n",
				"missing required key \"client_ca_file\"");
}

/* ---- HTTP framing ---- */

static int process(const char *raw, size_t max_body, struct mgmt_response *resp)
{
	struct mgmt_http_head head;

	mgmt_http_process(&backend, raw, strlen(raw), max_body, &head, resp);
	return resp->status;
}

static void http_request(void **state)
{
	(void)state;
	struct mgmt_response resp;
	const char *raw = "POST /v1/intercepts?x=1 HTTP/1.1\r\nHost: a\r\n"
			  "content-type: application/json\r\nContent-Length: 63\r\n\r\n"
			  "{\"liid\":\"LIID-4\",\"targets\":[\"sip:e@ims.test\"],\"agency\":\"lea-1\"}";

	assert_int_equal(process(raw, 1024, &resp), 201);
	size_t len;
	char *out = mgmt_http_format(&resp, &len);
	assert_non_null(out);
	assert_memory_equal(out, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n", 54);
	free(out);
	mgmt_response_free(&resp);
}

static void http_errors(void **state)
{
	(void)state;
	struct mgmt_response resp;
	char big_head[MGMT_HTTP_HEAD_MAX + 64];

	assert_int_equal(process("POST /v1/intercepts HTTP/1.1\r\n\r\n", 1024, &resp), 411);
	mgmt_response_free(&resp);
	assert_int_equal(process("POST /v1/intercepts HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",
				 1024, &resp), 413);
	mgmt_response_free(&resp);
	assert_int_equal(process("POST /v1/intercepts HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
				 1024, &resp), 501);
	mgmt_response_free(&resp);
	assert_int_equal(process("GET /v1/intercepts HTTP/2\r\n\r\n", 1024, &resp), 400);
	mgmt_response_free(&resp);
	assert_int_equal(process("GET /v1/intercepts HTTP/1.1\r\n", 1024, &resp), 400);
	mgmt_response_free(&resp);
	assert_int_equal(process("POST /v1/intercepts HTTP/1.1\r\nContent-Length: 5\r\n\r\n{}",
				 1024, &resp), 400);
	mgmt_response_free(&resp);
	assert_int_equal(process("GET /v1/intercepts HTTP/1.1\r\nContent-Length: 1\r\n"
				 "Content-Length: 2\r\n\r\n", 1024, &resp), 400);
	mgmt_response_free(&resp);

	memset(big_head, 'a', sizeof(big_head) - 1);
	big_head[sizeof(big_head) - 1] = '\0';
	memcpy(big_head, "GET /", 5);
	assert_int_equal(process(big_head, 1024, &resp), 431);
	mgmt_response_free(&resp);
}

static void http_allow_header(void **state)
{
	(void)state;
	struct mgmt_response resp;
	size_t len;

	assert_int_equal(process("PUT /v1/intercepts HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
				 1024, &resp), 405);
	char *out = mgmt_http_format(&resp, &len);
	assert_non_null(strstr(out, "\r\nAllow: GET, POST\r\n"));
	free(out);
	mgmt_response_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip_keeps_every_key, load_full, free_full),
		cmocka_unit_test(serializer_lists_every_key),
		cmocka_unit_test_setup_teardown(list_and_get, load_full, free_full),
		cmocka_unit_test_setup_teardown(no_key_material_in_answers, load_full, free_full),
		cmocka_unit_test_setup_teardown(add_replace_delete, load_full, free_full),
		cmocka_unit_test_setup_teardown(percent_encoded_name, load_full, free_full),
		cmocka_unit_test_setup_teardown(rejected_changes_apply_nothing, load_full, free_full),
		cmocka_unit_test_setup_teardown(failed_apply_is_reported, load_full, free_full),
		cmocka_unit_test_setup_teardown(content_type_checked, load_full, free_full),
		cmocka_unit_test(management_section_checked),
		cmocka_unit_test_setup_teardown(http_request, load_full, free_full),
		cmocka_unit_test_setup_teardown(http_errors, load_full, free_full),
		cmocka_unit_test_setup_teardown(http_allow_header, load_full, free_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
