//! Attribute names: the OpenTelemetry GenAI semantic conventions (and the older names still sent
//! by instrumentations in the wild), OpenInference's `llm.*`, and our own `interlog.*`.
//!
//! Our own constants rather than the semantic-conventions crate: that crate marks the GenAI names
//! as moved between releases, and the receiver must accept several generations of them at once.

pub const OPERATION_NAME: &str = "gen_ai.operation.name";
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// The older spelling of `gen_ai.provider.name`.
pub const SYSTEM: &str = "gen_ai.system";
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
pub const RESPONSE_ID: &str = "gen_ai.response.id";
pub const FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
pub const TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
pub const AGENT_NAME: &str = "gen_ai.agent.name";
pub const INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
pub const OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
pub const CACHE_READ_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
pub const CACHE_CREATION_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
/// Older names of the two usage counts.
pub const PROMPT_TOKENS: &str = "gen_ai.usage.prompt_tokens";
pub const COMPLETION_TOKENS: &str = "gen_ai.usage.completion_tokens";
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
pub const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// Older content attributes: a JSON string, or indexed `gen_ai.prompt.N.role` / `.content`.
pub const PROMPT: &str = "gen_ai.prompt";
pub const COMPLETION: &str = "gen_ai.completion";
pub const TOOL_NAME: &str = "gen_ai.tool.name";
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
pub const ERROR_TYPE: &str = "error.type";

/// The event that carries an inference's content when it is not on the span itself.
pub const INFERENCE_DETAILS_EVENT: &str = "gen_ai.client.inference.operation.details";

pub const OP_CHAT: &str = "chat";
pub const OP_EXECUTE_TOOL: &str = "execute_tool";
/// Operations that are one model call, and so one record.
pub const INFERENCE_OPERATIONS: &[&str] = &["chat", "text_completion", "generate_content", "completion"];

/// OpenInference (Arize Phoenix and others).
pub const OI_SPAN_KIND: &str = "openinference.span.kind";
pub const OI_MODEL_NAME: &str = "llm.model_name";
pub const OI_PROVIDER: &str = "llm.provider";
pub const OI_PROMPT_TOKENS: &str = "llm.token_count.prompt";
pub const OI_COMPLETION_TOKENS: &str = "llm.token_count.completion";
pub const OI_INPUT_MESSAGES: &str = "llm.input_messages";
pub const OI_OUTPUT_MESSAGES: &str = "llm.output_messages";
pub const OI_INPUT_VALUE: &str = "input.value";
pub const OI_OUTPUT_VALUE: &str = "output.value";
pub const OI_SESSION_ID: &str = "session.id";

pub const SERVICE_NAME: &str = "service.name";

/// Ours: what the GenAI conventions have no name for.
pub const RECORD_ID: &str = "interlog.record.id";
pub const PROJECT: &str = "interlog.project";
pub const CLIENT: &str = "interlog.client";
pub const TAGS: &str = "interlog.tags";
pub const ROUTING_PROFILE: &str = "interlog.routing.profile";
pub const ROUTING_REASON: &str = "interlog.routing.reason";
pub const ROUTING_CONFIDENCE: &str = "interlog.routing.confidence";
pub const ROUTING_FEATURES: &str = "interlog.routing.features";
pub const REQUEST_ID: &str = "interlog.request_id";
pub const REASONING_TOKENS: &str = "interlog.usage.reasoning_tokens";
pub const USAGE_APPROXIMATE: &str = "interlog.usage_approximate";
pub const TOOLS_AVAILABLE: &str = "interlog.tools_available";
pub const RESPONSE_SUMMARY: &str = "interlog.response_summary";
pub const PROMPT_TEXT: &str = "interlog.prompt";
pub const TOOL_RESULT_TRUNCATED: &str = "interlog.tool.result_truncated";
pub const TOOL_SUCCESS: &str = "interlog.tool.success";
pub const MEMORIES_USED: &str = "interlog.memories_used";
pub const CHUNKS_USED: &str = "interlog.chunks_used";
pub const CONTEXT_PACK: &str = "interlog.context_pack";
