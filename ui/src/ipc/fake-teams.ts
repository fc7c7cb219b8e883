// A Microsoft Teams connection for the fake backend (fake-backend.ts): its preview's chats and teams, a chat
// opened, a team's channels, and what an automation's form picks from. Message texts are plain text, as the core
// gives them (one carries markup-like characters: it must show as text).
import type { ChannelItem } from "./bindings/ChannelItem";
import type { ChatItem } from "./bindings/ChatItem";
import type { ChatPage } from "./bindings/ChatPage";
import type { PreviewSection } from "./bindings/PreviewSection";
import type { TeamItem } from "./bindings/TeamItem";

function ago(now: number, minutes: number): string {
  return new Date(now - minutes * 60_000).toISOString();
}

export const MARKUP_TEXT = "Use <b>bold</b> & <img src=x onerror=alert(1)> [image]";

export function sampleChats(now = Date.now()): ChatItem[] {
  const line = (id: string, from: string, minutes: number, text: string, fromMe = false) => ({
    id,
    from_name: fromMe ? "Adele Vance" : from,
    from_address: null,
    from_me: fromMe,
    created: ago(now, minutes),
    text,
    mentions_me: false,
    web_url: null,
  });
  return [
    {
      id: "19:megan_adele@unq.gbl.spaces",
      title: "Megan Bowen",
      topic: null,
      chat_type: "oneOnOne",
      members: [{ name: "Megan Bowen", address: "megan@contoso.example" }],
      last_message: line("m1", "Megan Bowen", 4, MARKUP_TEXT),
      web_url: "https://teams.microsoft.com/l/chat/19%3Amegan_adele/0",
    },
    {
      id: "19:spring@thread.v2",
      title: "Spring launch",
      topic: "Spring launch",
      chat_type: "group",
      members: [
        { name: "Megan Bowen", address: "megan@contoso.example" },
        { name: "Alex Wilber", address: "alex@contoso.example" },
      ],
      last_message: line("s1", "Alex Wilber", 90, "The banner is ready for review."),
      web_url: "https://teams.microsoft.com/l/chat/19%3Aspring/0",
    },
  ];
}

export const SAMPLE_TEAMS: TeamItem[] = [
  { id: "team-mark8", name: "Mark 8 Project Team", description: "Everything about the Mark 8" },
  { id: "team-retail", name: "Retail", description: null },
];

export const SAMPLE_CHANNELS: ChannelItem[] = [
  { id: "19:general@thread.tacv2", name: "General", description: null, web_url: "https://teams.microsoft.com/l/channel/general" },
  { id: "19:design@thread.tacv2", name: "Design", description: "Drawings", web_url: "https://teams.microsoft.com/l/channel/design" },
];

export function sampleTeamsSections(now = Date.now()): PreviewSection[] {
  return [
    { id: "recent_chats", title: "Recent chats", state: "loaded", content: { kind: "chats", items: sampleChats(now), next_link: null } },
    { id: "joined_teams", title: "Teams and channels", state: "loaded", content: { kind: "teams", items: SAMPLE_TEAMS, next_link: null } },
  ];
}

export function sampleChatPage(chatId: string, now = Date.now()): ChatPage {
  const chat = sampleChats(now).find((c) => c.id === chatId);
  return { chat_id: chatId, items: chat?.last_message ? [chat.last_message] : [], next_link: null };
}
