// PostgreSQL APIs that differ between the majors the extension is written for (14 to 18). Only
// 15 is built and tested here (Debian 12 ships no other server headers): the branches for other
// majors follow those majors' headers and are not compiled by this project's CI.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"
}

#if PG_VERSION_NUM < 150000
// PostgreSQL 15 added InitMaterializedSRF (funcapi.h); 14 has only the steps it takes: a tuplestore
// in the per-query context, and the result's row type from the call (or, with
// MAT_SRF_USE_EXPECTED_DESC, from the caller's expected row). Raises like 15's on a wrong context.
#define MAT_SRF_USE_EXPECTED_DESC 0x01
inline void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags) {
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || (rsinfo->allowedModes & SFRM_Materialize) == 0 ||
	    ((flags & MAT_SRF_USE_EXPECTED_DESC) != 0 && rsinfo->expectedDesc == nullptr))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("materialize mode required, but it is not allowed in this context")));
	MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	TupleDesc desc = nullptr;
	if ((flags & MAT_SRF_USE_EXPECTED_DESC) != 0)
		desc = CreateTupleDescCopy(rsinfo->expectedDesc);
	else if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0, false, work_mem);
	rsinfo->setDesc = desc;
	MemoryContextSwitchTo(old);
}
#endif
