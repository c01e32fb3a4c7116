/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_DIALOG_INTERNAL_H
#define LIME_CONTROL_DIALOG_INTERNAL_H

/* Structures shared by the dialog tracker's source files. */

#include "control/dialog.h"
#include "lib/util/hmap.h"

/* Early dialogs one INVITE may create through forking. */
#define CALL_MAX_DIALOGS 8
/* Distinct target keys remembered per call (From, To, R-URI, PAI...). */
#define CALL_MAX_IDENTITIES 8
/* Maximum dialog tag length kept; longer tags are compared on this prefix. */
#define CALL_TAG_MAX 64
/* Maximum length of a canonical target key kept for a call. */
#define CALL_IDENTITY_MAX 256

enum call_state {
	CALL_EARLY,       /* INVITE sent, no 2xx yet */
	CALL_RETRYING,    /* challenged or redirected: a new INVITE may follow */
	CALL_CONFIRMED,   /* a 2xx answered the INVITE */
	CALL_CLOSING,     /* BYE sent, its response not seen yet */
	CALL_ENDED,       /* lingering to absorb retransmissions */
};

/* The lists calls are kept on, each ordered by last activity. */
enum call_list {
	LIST_PLAIN,        /* no active warrant */
	LIST_INTERCEPTED,
	LIST_ENDED,
	LIST_COUNT,
};

struct call;

/*
 * A media flow of a dialog; installed while the call is intercepted. Forks
 * of one call answer the same offer, so their flows to the offerer can be
 * equal: the first is installed and owns the destination, the others share
 * it (installed, not owner) and take it over when the owner's dialog ends.
 */
struct dialog_flow {
	struct media_flow flow;
	uint64_t key_fingerprint;   /* of the sender's a=crypto, 0 without */
	enum sdes_suite suite;      /* of the sender's a=crypto */
	enum media_keying installed_keying;
	uint32_t stream_id;
	bool installed;
	bool owner;                 /* the flow_owner entry points here */
	bool keys_known;            /* keys were in hand when installed */
};

/* An installed destination: which call and dialog own it. */
struct flow_owner {
	struct hmap_node node;
	struct media_dest dest;
	struct call *call;
	unsigned dialog;
	unsigned flow;
};

struct dialog {
	char remote_tag[CALL_TAG_MAX];  /* the To tag of the INVITE's answer */
	uint8_t remote_tag_len;
	bool confirmed;
	bool ended;
	struct dialog_flow *flows;
	unsigned n_flows;
};

/* A pending SDP offer, copied because the answer comes in a later packet. */
struct call_offer {
	char *body;
	size_t len;
	uint32_t cseq;
	char method[12];      /* INVITE, UPDATE or PRACK */
	bool in_response;     /* a late offer in a 1xx/2xx, answered by PRACK/ACK */
	bool answered;
};

struct call_liid {
	uint32_t registry;    /* index into the tracker's LIID registry */
	uint64_t cin;
	bool active;
	bool begun;           /* IRI-BEGIN sent */
};

struct call {
	struct hmap_node node;
	struct call *prev, *next;      /* on list[list_id] */
	enum call_list list_id;
	enum call_state state;
	int64_t created_us;
	int64_t last_us;
	uint32_t invite_cseq;
	bool invite_had_sdp;
	char local_tag[CALL_TAG_MAX];  /* the caller's From tag */
	uint8_t local_tag_len;

	char *identities[CALL_MAX_IDENTITIES];
	unsigned n_identities;

	/* Both arrays grow on demand: most calls match no warrant and have
	 * one dialog, and a call is kept for every call on the link. */
	struct call_liid *liids;       /* at most INTERCEPT_MATCH_MAX */
	unsigned n_liids;

	struct dialog *dialogs;        /* at most CALL_MAX_DIALOGS */
	unsigned n_dialogs;

	struct call_offer offer;
	/* addr-specs of From and To of the request with the latest offer, or
	 * of the INVITE, for the MIKEY MAC input; NULL when absent */
	char *offer_from;
	char *offer_to;
	uint8_t offer_src_family;
	uint8_t offer_src[16];

	size_t call_id_len;
	char call_id[];
};

struct liid_entry {
	struct hmap_node node;
	uint32_t index;                 /* position in the registry */
	char liid[LIME_LIID_MAX + 1];
	struct liid_stats stats;
};

struct dialog_tracker {
	struct dialog_limits limits;
	const struct intercept_set *set;
	struct dialog_sink sink;
	struct dialog_stats stats;

	struct hmap calls;
	struct call *head[LIST_COUNT];  /* least recently active first */
	struct call *tail[LIST_COUNT];

	struct hmap owners;             /* installed destinations */

	struct liid_entry **registry;
	uint32_t n_registry;
	struct hmap registry_map;

	int64_t now_us;                 /* latest capture time seen */

	/* Scratch space too large for the stack. */
	uint8_t flow_dirs[INTERCEPT_MATCH_MAX];  /* target_dirs of the event at hand */
	struct sdp_session offer_sdp;
	struct sdp_session answer_sdp;
	struct media_crypto_table offer_crypto;
	struct media_crypto_table answer_crypto;
	struct media_pairing pairing;
	uint8_t mikey_ti[16384];
	uint8_t mikey_tr[16384];
};

/* dialog_table.c */
struct call *call_find(struct dialog_tracker *t, const char *call_id, size_t len);
struct call *call_create(struct dialog_tracker *t, const char *call_id,
			 size_t len, int64_t now_us);
void call_touch(struct dialog_tracker *t, struct call *c, int64_t now_us);
void call_relist(struct dialog_tracker *t, struct call *c);
void call_free(struct dialog_tracker *t, struct call *c);
bool call_is_intercepted(const struct call *c);

/* dialog_intercept.c */
uint32_t liid_registry_get(struct dialog_tracker *t, const char *liid);
void call_update_intercepts(struct dialog_tracker *t, struct call *c,
			    const struct sip_msg *msg, int64_t now_us);
void call_emit_iri(struct dialog_tracker *t, struct call *c, bool ends,
		   const char *reason, const char *raw, size_t raw_len,
		   const struct sip_packet_info *pkt, int64_t ts_us);
void call_stop_liid(struct dialog_tracker *t, struct call *c, unsigned i);
/* Stops the LIIDs whose warrant no longer covers c at now_us. */
void call_recheck_warrants(struct dialog_tracker *t, struct call *c,
			   int64_t now_us);
void report_outside_call(struct dialog_tracker *t, const struct sip_msg *msg,
			 const char *raw, size_t raw_len,
			 const struct sip_packet_info *pkt);
unsigned call_active_liids(struct dialog_tracker *t, const struct call *c,
			   const char **liids, uint32_t *ids, uint64_t *cins,
			   unsigned cap);

/* dialog_media.c */
void call_store_offer(struct dialog_tracker *t, struct call *c,
		      struct sip_slice body, uint32_t cseq,
		      struct sip_slice method, bool in_response);
void call_drop_offer(struct call *c);
void call_apply_answer(struct dialog_tracker *t, struct call *c, unsigned dialog,
		       struct sip_slice body, int64_t ts_us);
/* Reports the MIKEY TRANSFER_INIT of the stored offer of an intercepted call. */
void call_check_offer(struct dialog_tracker *t, struct call *c, int64_t ts_us);
/* Remembers who sent the offer in msg, for the MIKEY checks. */
void call_note_offerer(struct call *c, const struct sip_msg *msg,
		       const struct sip_packet_info *pkt);
void dialog_end_flows(struct dialog_tracker *t, struct call *c, unsigned dialog,
		      const char *reason, int64_t ts_us);
void call_install_flows(struct dialog_tracker *t, struct call *c, int64_t ts_us);
void call_uninstall_flows(struct dialog_tracker *t, struct call *c,
			  const char *reason, int64_t ts_us);
void call_free_flows(struct dialog_tracker *t, struct call *c);

/* dialog_sip.c */
/*
 * Ends c: removes its flows and, unless the message that ended it was
 * already reported, sends IRI-END without a message for each active LIID.
 */
void call_end(struct dialog_tracker *t, struct call *c, const char *reason,
	      int64_t ts_us);

#endif
