export type Lang = "en" | "es";
export type Plan = "starter" | "pro" | "growth";
export type Role = "admin" | "agent" | "super_admin";
export type Status = "open" | "pending" | "closed";
export type ResponderMode = "ai" | "human";
export type MessageRole = "visitor" | "ai" | "agent" | "system";

export interface Me {
  user: { id: string; email: string; name: string; isSuperAdmin: boolean; preferredLanguage: Lang };
  organizations: { id: string; name: string; plan: Plan; active: boolean; role: Role }[];
}
export interface Organization { id: string; name: string; plan: Plan; active: boolean; createdAt: string; updatedAt: string }
export interface UserDetail {
  id: string; email: string; name: string; isSuperAdmin: boolean; preferredLanguage: Lang; active: boolean; createdAt: string;
  memberships: { organizationId: string; organizationName: string; role: "admin" | "agent" }[];
}
export interface Page<T> { items: T[]; nextCursor: string | null }
export interface Member { userId: string; email: string; name: string; preferredLanguage: Lang; active: boolean; role: "admin" | "agent"; joinedAt: string }
export interface Channel {
  id: string; organizationId: string; name: string; type: "website" | "whatsapp" | "messenger"; active: boolean; publicKey: string;
  allowedOrigins: string[]; handoffEnabled: boolean; handoffKeywords: string[] | null; systemPrompt: string | null;
  embedSnippet: string | null; createdAt: string; updatedAt: string;
}
export interface AISettings {
  provider: "openai"; model: string; temperature: number; maxTokens: number; systemPrompt: string; handoffKeywords: string[];
  defaultHandoffKeywords: string[]; apiKeyHint: string | null; apiKeySource: "organization" | "platform" | "environment" | "none"; updatedAt: string;
}
export interface UserRef { id: string; name: string }
export interface ConversationSummary {
  id: string; organizationId: string; channelId: string; channelName: string; status: Status; responderMode: ResponderMode;
  language: Lang; pageUrl: string | null; visitorId: string; lastMessage: { role: MessageRole; content: string; createdAt: string } | null;
  messageCount: number; createdAt: string; lastMessageAt: string; assignedUser: UserRef | null; needsHuman: boolean;
}
export interface KnowledgeSourceRef { id: string; knowledgeId: string; title: string; excerpt: string }
export interface Message {
  id: string; role: MessageRole; content: string; createdAt: string; author?: UserRef | null; model?: string | null; tokensUsed?: number | null;
  knowledgeSources?: KnowledgeSourceRef[];
}
export interface Conversation extends ConversationSummary {
  visitorMetadata: Record<string, unknown>; handedOffAt: string | null; closedAt: string | null; messages: Message[];
}
export interface MonthUsage {
  month: string; conversations: number; conversationLimit: number; overageConversations: number; overageBlocks: number;
  overageCostUsd: number; messages: number; aiMessages: number; tokens: number; overLimitNotifiedAt: string | null;
}
export interface OrganizationUsage { organizationId: string; name: string; plan: Plan; active: boolean; overage: { blockConversations: number; blockPriceUsd: number }; months: MonthUsage[] }
export interface PlatformUsage {
  month: string; totals: { conversations: number; overageCostUsd: number; messages: number; aiMessages: number; tokens: number };
  organizations: (MonthUsage & { organizationId: string; name: string; plan: Plan; active: boolean })[];
}
export interface Stats {
  organizationId: string | null; conversationsToday: number; conversationsLast7Days: number; conversationsLast30Days: number;
  openNow: number; waitingForHuman: number;
  period: { days: number; firstDay: string; lastDay: string; conversations: number; answeredByAiAlone: number; handedToHuman: number;
    aiAloneShare: number | null; handoffRate: number | null; medianFirstResponseSeconds: number | null };
  busiestPages: { pageUrl: string; conversations: number }[];
  recentConversations: ConversationSummary[];
  daily: { date: string; conversations: number; messages: number; handoffs: number }[];
}
export interface LiveEvent {
  type: "conversation.created" | "conversation.updated" | "message.created";
  organizationId: string; conversationId: string; data: Record<string, unknown>;
}
