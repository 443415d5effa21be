/**
 * The dashboard API's answers and request bodies, as the SPA names them: aliases of the types generated from the API's
 * OpenAPI document (src/api/schema.ts, `npm run gen:api`), never written out here, so that a field
 * renamed in the API breaks `tsc`. Only what the document does not describe is written by hand.
 */
import type { components } from "../api/schema";

type Schemas = components["schemas"];

export type Lang = Schemas["UserOut"]["preferredLanguage"];
export type Plan = Schemas["OrganizationOut"]["plan"];
export type Role = Schemas["MembershipOut"]["role"];
export type Status = Schemas["ConversationSummaryOut"]["status"];
export type ResponderMode = Schemas["ConversationSummaryOut"]["responderMode"];
export type MessageRole = Schemas["MessageOut"]["role"];

export type Me = Schemas["MeOut"];
export type Organization = Schemas["OrganizationOut"];
export type UserDetail = Schemas["UserDetailOut"];
export type UserPage = Schemas["Page_UserDetailOut_"];
export type Member = Schemas["MemberOut"];
export type Channel = Schemas["ChannelOut"];
export type AISettings = Schemas["AISettingsOut"];
export type UserRef = Schemas["UserRefOut"];
export type ConversationSummary = Schemas["ConversationSummaryOut"];
export type ConversationPage = Schemas["Page_ConversationSummaryOut_"];
export type KnowledgeSourceRef = Schemas["KnowledgeSourceOut"];
export type Message = Schemas["MessageOut"];
export type Conversation = Schemas["ConversationOut"];
export type MonthUsage = Schemas["MonthUsageOut"];
export type OrganizationUsage = Schemas["OrganizationUsageOut"];
export type PlatformUsage = Schemas["PlatformUsageOut"];
export type Stats = Schemas["StatsOut"];
export type GettingStarted = Schemas["GettingStartedOut"];
export type Report = Schemas["ReportOut"];
export type OrganizationTimeZone = Schemas["TimeZoneOut"];
export type Plans = Schemas["PlansOut"];
export type ModelPrice = Schemas["ModelPriceOut"];
export type GettingStartedStep = GettingStarted["steps"][number]["key"];
export type UserCreated = Schemas["UserCreated"];
export type Invitation = Schemas["InvitationOut"];
export type InvitationSent = Schemas["InvitationSent"];
export type InvitationAccepted = Schemas["AcceptedOut"];
export type PlatformKey = Schemas["PlatformKeyOut"];
export type KnowledgeEntry = Schemas["KnowledgeOut"];
export type KnowledgeGap = Schemas["KnowledgeGapOut"];
export type KnowledgeWebsite = Schemas["WebsiteOut"];
export type KnowledgeWebsiteCreate = Schemas["WebsiteCreate"];
export type PreviewSource = Schemas["PreviewSourceOut"];
export type PreviewReply = Schemas["PreviewOut"];
export type Tokens = Schemas["TokensOut"];
export type Challenge = Schemas["ChallengeOut"];

// What the SPA sends.
export type OrganizationUpdate = Schemas["OrganizationUpdate"];
export type UserUpdate = Schemas["UserUpdate"];
export type ChannelCreate = Schemas["ChannelCreate"];
export type ConnectionTest = Schemas["ConnectionTestOut"];
export type AISettingsUpdate = Schemas["AISettingsUpdate"];
export type KnowledgeCreate = Schemas["KnowledgeCreate"];
export type KnowledgeUpdate = Schemas["KnowledgeUpdate"];
export type PreviewRequest = Schemas["PreviewIn"];

/**
 * What the realtime socket pushes. Not an operation of the dashboard API's document, but its data is:
 * a conversation as the inbox lists it, a message as a conversation's thread shows it (the server reads
 * both with the same SQL), so the SPA applies them as they come and works nothing out again.
 */
export type LiveEvent =
  | { type: "conversation.created" | "conversation.updated"; organizationId: string; conversationId: string; data: ConversationSummary }
  | { type: "message.created"; organizationId: string; conversationId: string; data: Message }
  | { type: "note.created"; organizationId: string; conversationId: string; data: Note }
  | { type: "typing"; organizationId: string; conversationId: string; data: TypingState }
  | { type: "conversation.read"; organizationId: string; conversationId: string; data: { side: "agent" | "visitor"; readAt: string } }
  | { type: "message.delta"; organizationId: string; conversationId: string; data: Delta };

/** A piece of an AI answer as the model writes it; the whole message follows as message.created. */
export interface Delta {
  messageId: string;
  delta: string;
  index: number;
}

/** An AI answer streaming in: its text so far, the next piece expected. */
export interface StreamingAnswer {
  messageId: string;
  text: string;
  next: number;
}

/** Who is typing in a conversation (never what). */
export interface TypingState {
  role: "agent" | "visitor";
  typing: boolean;
  name?: string;
  userId?: string;
}

/** A private note between operators (never the visitor's). */
export type Note = Schemas["NoteOut"];
export type Mention = Schemas["MentionOut"];
