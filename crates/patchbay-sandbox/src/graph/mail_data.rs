//! The words of the demo mailboxes: who writes to whom about what. `messages` turns these into Graph
//! messages (IDs, times, read state). `{me}` in a body becomes the mailbox owner's given name.
//!
//! Every mailbox has the same ten "awkward" messages (`SPECIALS`: a 200+ character subject, non-Latin
//! subjects, a sender without a display name, an empty subject...), three fixed newest ones, fourteen of its
//! own, and a per-user pick from the shared pool (newsletters, invoices, notifications).

/// `(display name, address)`; an empty name means the sender has none (Graph then omits `name`).
pub type Who = (&'static str, &'static str);

pub const ADELE: Who = ("Adele Vance", "adele@contoso.example");
pub const MEGAN: Who = ("Megan Bowen", "megan@contoso.example");
pub const ALEX: Who = ("Alex Wilber", "alex@contoso.example");
pub const LEE: Who = ("Lee Gu", "lee@contoso.example");
pub const DIEGO: Who = ("Diego Siciliani", "diego@contoso.example");
pub const ISAIAH: Who = ("Isaiah Langer", "isaiah@contoso.example");
pub const JOHANNA: Who = ("Johanna Lorenz", "johanna@contoso.example");
pub const LIDIA: Who = ("Lidia Holloway", "lidia@contoso.example");
pub const LYNNE: Who = ("Lynne Robbins", "lynne@contoso.example");
pub const MIRIAM: Who = ("Miriam Graham", "miriam@contoso.example");
pub const NESTOR: Who = ("Nestor Wilke", "nestor@contoso.example");
pub const PATTI: Who = ("Patti Fernandez", "patti@contoso.example");
pub const PRADEEP: Who = ("Pradeep Gupta", "pradeep@contoso.example");
pub const GRADY: Who = ("Grady Archie", "grady@contoso.example");
pub const HENRIETTA: Who = ("Henrietta Mueller", "henrietta@contoso.example");
pub const JONI: Who = ("Joni Sherman", "joni@contoso.example");
pub const YUKI: Who = ("田中 由紀", "yuki.tanaka@contoso.example");

const ALL_STAFF: Who = ("All Contoso", "all@contoso.example");
const TEAM: Who = ("Retail & Marketing", "team@contoso.example");
const IT: Who = ("Contoso IT", "it@contoso.example");
const FACILITIES: Who = ("Contoso Facilities", "facilities@contoso.example");

/// One message before it is placed in a mailbox.
#[derive(Debug, Clone, Copy)]
pub struct Tpl {
    pub from: Who,
    /// Empty: addressed to the mailbox owner alone.
    pub to: &'static [Who],
    pub subject: &'static str,
    pub body: &'static str,
    pub importance: &'static str,
    pub attachments: bool,
    /// Focused Inbox: people the user works with are "focused", bulk mail is "other".
    pub focused: bool,
    /// `None`: read or not depending on its age.
    pub read: Option<bool>,
}

const fn m(from: Who, subject: &'static str, body: &'static str) -> Tpl {
    Tpl {
        from,
        to: &[],
        subject,
        body,
        importance: "normal",
        attachments: false,
        focused: true,
        read: None,
    }
}

impl Tpl {
    const fn high(self) -> Tpl {
        Tpl {
            importance: "high",
            ..self
        }
    }
    const fn low(self) -> Tpl {
        Tpl {
            importance: "low",
            ..self
        }
    }
    const fn att(self) -> Tpl {
        Tpl {
            attachments: true,
            ..self
        }
    }
    const fn other(self) -> Tpl {
        Tpl {
            focused: false,
            ..self
        }
    }
    const fn to(self, to: &'static [Who]) -> Tpl {
        Tpl { to, ..self }
    }
    const fn unread(self) -> Tpl {
        Tpl {
            read: Some(false),
            ..self
        }
    }
    const fn read(self) -> Tpl {
        Tpl {
            read: Some(true),
            ..self
        }
    }
}

/// Lee's pre-read goes to all three demo users (they meet at "Quarterly planning" tomorrow).
const PLANNING_PRE_READ: Tpl = m(
    LEE,
    "Quarterly planning – agenda and pre-read",
    "Hi team,\r\n\r\nAttached are the agenda and the pre-read for tomorrow's quarterly planning. Please come with \
     your top three priorities for next quarter and any staffing risks you see.\r\n\r\nThanks,\r\nLee",
)
.to(&[ADELE, MEGAN, ALEX])
.high()
.att()
.unread();

/// The subject over 200 characters (an approval tool pastes every item into it).
pub const LONG_SUBJECT: &str = "Action required before Friday: please review and approve the updated holiday season \
staffing plan, the revised store opening hours for the weeks around the holidays, the new returns policy wording for \
receipts and the regional budget";

/// In every mailbox.
pub const SPECIALS: &[Tpl] = &[
    m(
        NESTOR,
        LONG_SUBJECT,
        "Sorry for the long subject — the approval tool copies every item into it. Please open the approval \
         request and approve or comment on each of the four items.",
    )
    .high(),
    m(
        YUKI,
        "【ご確認ください】12月の販売促進キャンペーンについて",
        "各位\r\n\r\n12月の販売促進キャンペーンの資料を添付いたします。ご意見がございましたら、金曜日までにお知らせください。\r\n\r\n田中 由紀",
    )
    .att(),
    m(
        ("فاطمة السيد", "reservations@oasis-hotel.example"),
        "تأكيد الحجز: فندق الواحة، دبي",
        "شكراً لاختياركم فندق الواحة. تم تأكيد حجزكم لثلاث ليالٍ. تسجيل الوصول من الساعة الثالثة عصراً.",
    )
    .other(),
    m(
        ("Νίκος Παπαδόπουλος", "nikos@litware.example"),
        "Πρόσκληση: Συνέδριο Λιανικής Αθήνας",
        "Καλησπέρα σας,\r\n\r\nΣας προσκαλούμε στο Συνέδριο Λιανικής στην Αθήνα. Το πρόγραμμα και η φόρμα εγγραφής \
         επισυνάπτονται.\r\n\r\nΜε εκτίμηση,\r\nΝίκος",
    )
    .att(),
    m(
        ("Ольга Смирнова", "olga.smirnova@fabrikam.example"),
        "Отчёт о продажах за неделю",
        "Добрый день!\r\n\r\nВо вложении отчёт о продажах за прошлую неделю. Продажи выросли на 12 %, особенно в \
         категории подарков.\r\n\r\nС уважением,\r\nОльга",
    )
    .att(),
    m(
        LYNNE,
        "🎉 Team lunch on Friday — vote for the place! 🍕🌮🍣",
        "Hi all! It's been a great quarter, so lunch is on the company this Friday. Vote in the poll by \
         Wednesday: pizza 🍕, tacos 🌮 or sushi 🍣.",
    )
    .to(&[TEAM]),
    m(
        ("", "noreply@woodgrovebank.example"),
        "Your monthly statement is ready",
        "Your statement for the account ending in 4821 is now available in online banking. This is an automated \
         message; please do not reply.",
    )
    .other(),
    m(
        JOHANNA,
        "",
        "Here's the photo of the shelf layout we talked about.\r\n\r\nSent from my phone",
    )
    .att(),
    m(
        IT,
        "Planned maintenance: VPN unavailable on Saturday night",
        "The VPN and the remote desktop gateway will be unavailable on Saturday from 22:00 to 02:00 UTC for \
         maintenance. Email and Teams are not affected.",
    )
    .to(&[ALL_STAFF])
    .high(),
    m(
        FACILITIES,
        "FYI: cafeteria menu for next week",
        "Monday: lentil soup · Tuesday: chicken curry · Wednesday: pasta bar · Thursday: fish tacos · Friday: \
         chef's choice. Vegetarian options every day.",
    )
    .to(&[ALL_STAFF])
    .low()
    .other(),
];

/// A user's own mail: the three newest (in order, newest first) and fourteen more.
pub struct Persona {
    pub newest: [Tpl; 3],
    pub own: &'static [Tpl],
}

pub fn persona(email: &str) -> Persona {
    match email {
        "megan@contoso.example" => MEGAN_MAIL,
        "alex@contoso.example" => ALEX_MAIL,
        _ => ADELE_MAIL,
    }
}

const ADELE_MAIL: Persona = Persona {
    newest: [
        m(
            MEGAN,
            "Re: Window display for the winter campaign",
            "Hi Adele,\r\n\r\nLove the mock-ups! Could we swap the blue banner for the new silver one? Grady can \
             have it printed by Thursday if we confirm today.\r\n\r\nThanks,\r\nMegan",
        )
        .unread(),
        PLANNING_PRE_READ,
        m(
            PRADEEP,
            "Munich store P&L – last month",
            "Hi Adele, the P&L for the Munich store is attached. Margin is up 1.8 points, mainly from lower \
             markdowns. Two questions on the freight line — can we go through them on Friday? Pradeep",
        )
        .att()
        .read(),
    ],
    own: &[
        m(
            NESTOR,
            "Holiday staffing plan – first draft",
            "Adele, here is the first draft of the holiday staffing plan. I've assumed two extra weekend shifts \
             per store. Let me know what you think before I share it with HR.",
        )
        .att(),
        m(
            ("Jonas Becker", "jonas.becker@contoso.example"),
            "Kassensystem in Filiale 2 – Update",
            "Hallo Adele,\r\n\r\ndas neue Kassensystem läuft seit heute Morgen stabil. Die Schulung für das Team \
             ist für Donnerstag geplant.\r\n\r\nViele Grüße\r\nJonas",
        ),
        m(
            GRADY,
            "Signage proofs for the winter sale",
            "Proofs attached — three sizes for the window, the aisle ends and the till. Please mark anything \
             that needs changing; the printer needs final files by Wednesday noon.",
        )
        .att(),
        m(
            ("Northwind Traders", "orders@northwind.example"),
            "Order 55120 confirmed: 40 cartons of gift wrap",
            "Thank you for your order. Estimated delivery: 3–5 business days. You can track the shipment in your \
             Northwind account.",
        )
        .other(),
        m(
            ISAIAH,
            "Re: Corporate gift orders from Fabrikam",
            "Good news — Fabrikam wants 300 gift boxes again this year. Can the Munich store handle pick-up, or \
             should we ship from the warehouse?",
        ),
        m(
            DIEGO,
            "New hire starting Monday: Lena Hoffmann",
            "Hi Adele, Lena starts on Monday as a sales associate at your store. Her laptop and badge are ready at \
             reception. Could you plan a buddy for her first week?",
        ),
        m(
            HENRIETTA,
            "Re: Footfall counter API",
            "The footfall counters at the Munich store now send data every 15 minutes. I added them to the \
             dashboard — numbers from before Tuesday are estimates.",
        ),
        m(
            JONI,
            "Lease renewal – Leopoldstraße",
            "Adele, the landlord sent the renewal terms for the Leopoldstraße store. The rent goes up 4% and there \
             is a new clause on opening hours; please read section 7 before we reply.",
        )
        .high()
        .att(),
        m(
            ("Customer Care", "care@contoso.example"),
            "Customer complaint #8841 – delayed delivery",
            "A customer from the Munich store reports that her sofa delivery was postponed twice. She asks for a \
             call back today. Order reference: MUC-22817.",
        ),
        m(
            LYNNE,
            "Re: Inventory count schedule",
            "Works for me. I'll send the count sheets on Monday and collect them on Wednesday evening.",
        ),
        m(
            MEGAN,
            "Photos from the pop-up store",
            "A few photos from the weekend pop-up. The kids' corner was a hit — can we keep it for the winter sale?",
        )
        .att(),
        m(
            PATTI,
            "Thank you, Munich team",
            "Adele, please pass on my thanks to the whole team. Your store had the best customer-satisfaction \
             score in the region last month.\r\n\r\nPatti",
        ),
        m(
            ("Woodgrove Bank Business", "business@woodgrovebank.example"),
            "Card terminal fees change on the 1st",
            "From the 1st of next month, card terminal fees for debit cards drop to 0.2%. No action is needed. \
             Details are in your online banking.",
        )
        .other(),
        m(
            ALEX,
            "Question about the store opening event",
            "Hi Adele, for the invitation to the reopening event — should we mention the live music, or keep it a \
             surprise? Alex",
        ),
    ],
};

const MEGAN_MAIL: Persona = Persona {
    newest: [
        m(
            ALEX,
            "Draft social posts for the launch",
            "Hi Megan,\r\n\r\nHere are the drafts for Instagram and LinkedIn. I kept each under 150 characters and \
             added two options for the hero image.\r\n\r\nAlex",
        )
        .att()
        .unread(),
        PLANNING_PRE_READ,
        m(
            MIRIAM,
            "Re: Budget for the spring campaign",
            "Megan, I can approve 80% now and the rest after the first results. Can you split the plan into two \
             phases by Friday? Miriam",
        )
        .read(),
    ],
    own: &[
        m(
            ("Sara Davis", "sara.davis@fabrikam.example"),
            "Agency proposal: spring campaign",
            "Hi Megan, attached is our proposal with three creative routes and a media plan. We'd love to walk you \
             through it next week.",
        )
        .att(),
        m(
            GRADY,
            "Brand guidelines v3",
            "The new brand guidelines are attached. Main changes: an updated color palette, a simpler logo lockup \
             and new photography rules.",
        )
        .att(),
        m(
            LIDIA,
            "Launch checklist – what's still open",
            "Open items:\r\n- pricing page copy\r\n- the press release quote from Patti\r\n- the demo video \
             captions\r\nEverything else is green.",
        ),
        m(
            ISAIAH,
            "Leads from the trade show",
            "We scanned 214 badges at the trade show. The list is attached with notes; 31 of them asked for a \
             follow-up call this month.",
        )
        .att(),
        m(
            ("Press Office", "press@contoso.example"),
            "Media request: Retail Weekly interview",
            "Retail Weekly would like a 20-minute interview about the spring campaign. They suggested Thursday \
             afternoon. Would you be available?",
        ),
        m(
            HENRIETTA,
            "Landing page is live on staging",
            "The new landing page is on staging. The contact form posts to the CRM sandbox for now. Please check \
             the copy on mobile.",
        ),
        m(
            PATTI,
            "Board deck – marketing slide",
            "Megan, I need your marketing slide for the board deck by Wednesday. One slide: results, spend, and next \
             quarter's plan.",
        )
        .high(),
        m(
            JOHANNA,
            "Re: Web analytics tagging",
            "Tagging is fixed — campaign parameters are now kept through the checkout. Expect the numbers to jump \
             a bit from today.",
        ),
        m(
            ("Litware Media", "sales@litware.example"),
            "Your ad space booking for next month",
            "Thank you for booking a half-page in our next issue. Invoice and specifications are attached. Artwork \
             deadline: the 20th.",
        )
        .att()
        .other(),
        m(
            ADELE,
            "Window display mock-ups",
            "Hi Megan, here are the mock-ups for the winter window display in Munich. Happy to get your feedback \
             before we print.",
        )
        .att(),
        m(
            MIRIAM,
            "1:1 notes",
            "Notes from our 1:1:\r\n1. Hire a content designer.\r\n2. Review the agency contract.\r\n3. Plan the \
             customer advisory board.",
        ),
        m(
            DIEGO,
            "Interview schedule: content designer",
            "Three candidates for the content designer role next week. Could you take the portfolio reviews on \
             Tuesday and Wednesday?",
        ),
        m(
            JONI,
            "NDA for the influencer program",
            "The NDA template for influencers is attached. Legal approved it; you can send it without changes.",
        )
        .att(),
        m(
            ("NYC Marketing Meetup", "hello@nycmarketingmeetup.example"),
            "This month's meetup: measuring brand lift",
            "Join us on Thursday at 6:30 PM for talks on measuring brand lift without cookies. Pizza provided. RSVP \
             by Tuesday.",
        )
        .other(),
    ],
};

const ALEX_MAIL: Persona = Persona {
    newest: [
        m(
            YUKI,
            "明日の打ち合わせについて",
            "Alexさん\r\n\r\nお疲れさまです。明日の打ち合わせは10時からに変更になりました。資料は共有フォルダにあります。\r\n\r\nよろしくお願いします。\r\n田中",
        )
        .unread(),
        m(
            MEGAN,
            "Feedback on your social posts",
            "Hi Alex, great drafts! Two small things: use the new hashtag and shorten the LinkedIn post a little. \
             Otherwise ready to schedule.",
        )
        .unread(),
        PLANNING_PRE_READ,
    ],
    own: &[
        m(
            MIRIAM,
            "Welcome to the marketing team!",
            "Alex, welcome aboard! Megan will be your buddy for the first month. Don't hesitate to ask questions — \
             there are no silly ones.",
        )
        .read(),
        m(
            ("Contoso Japan Office", "tokyo.office@contoso.example"),
            "オフィス移転のお知らせ",
            "Alexさん\r\n\r\n東京オフィスは来月から新しいビルに移転します。新住所と入館方法は添付の資料をご確認ください。",
        )
        .att(),
        m(
            GRADY,
            "Image library access",
            "I gave you access to the image library. Please use only the images tagged 'approved' for social posts.",
        ),
        m(
            ("Kenji Sato", "kenji.sato@fabrikam.example"),
            "Re: Sample shipment to Osaka",
            "Hi Alex,\r\n\r\nThe samples arrived in Osaka this morning. Thank you! We will send feedback by the end \
             of the week.\r\n\r\nBest regards,\r\nKenji",
        ),
        m(
            HENRIETTA,
            "Your access to the analytics dashboard",
            "You now have read access to the analytics dashboard. Start with the 'Campaigns' tab; the data \
             refreshes every night.",
        ),
        m(
            LIDIA,
            "Translation review: product page",
            "Could you review the Japanese translation of the product page? The file is attached; comments in the \
             margin are welcome.",
        )
        .att(),
        m(
            ("Contoso Learning", "learning@contoso.example"),
            "Course assigned: Social media basics",
            "You have been assigned the course 'Social media basics' (45 minutes). Please complete it within 30 days.",
        )
        .other(),
        m(
            MEGAN,
            "Content calendar for next month",
            "Here is the content calendar. Your posts are marked in green. Let's check it together on Monday.",
        )
        .att(),
        m(
            ISAIAH,
            "Customer story: can you help?",
            "Alex, one of our customers in Yokohama agreed to a short case study. Could you draft five interview \
             questions?",
        ),
        m(
            DIEGO,
            "Your probation review",
            "Hi Alex, your probation review is scheduled for next month. Please fill in the short self-assessment \
             form by then.",
        ),
        m(
            ("Tokyo Marketing Forum", "info@tokyomarketingforum.example"),
            "講演者募集：デジタルマーケティング・フォーラム",
            "来年のフォーラムでは講演者を募集しています。応募締め切りは今月末です。",
        )
        .other(),
        m(
            JOHANNA,
            "Re: Link shortener",
            "The link shortener is set up for the social accounts. Short links keep the campaign tags, so tracking \
             keeps working.",
        ),
        m(
            ADELE,
            "Re: Question about the store opening event",
            "Let's keep the live music a surprise, but mention 'a special program'. Thanks for asking!\r\n\r\nAdele",
        ),
        m(
            LEE,
            "Intern project ideas",
            "Alex, if you have time next month, here are two project ideas: a competitor social media review, or a \
             customer FAQ refresh. No rush.",
        )
        .low(),
    ],
};

/// Shared by all mailboxes; each user gets a different selection in a different order.
pub const POOL: &[Tpl] = &[
    m(
        ("The Retail Brief", "newsletter@retailbrief.example"),
        "The Retail Brief: holiday footfall is up 6%",
        "Good morning. Footfall in city-centre stores rose 6% year on year last week, led by gift and home \
         categories. Also in today's brief: why click-and-collect is growing faster than home delivery, three \
         lessons from this year's pop-up stores, and the retailers betting on repair services. Read the full issue \
         online. You are receiving this email because you subscribed to The Retail Brief.",
    )
    .other(),
    m(
        ("Contoso Internal Comms", "comms@contoso.example"),
        "Contoso Weekly: new parental leave policy, cafeteria reopening and more",
        "This week at Contoso\r\n\r\n• New parental leave policy: 20 weeks for all parents, from next month.\r\n• \
         The cafeteria on the ground floor reopens on Monday.\r\n• Meet the team: the people behind our online \
         store.\r\n• Volunteering day: sign up by Friday.\r\n\r\nHave a great week!",
    )
    .to(&[ALL_STAFF])
    .other(),
    m(
        ("Northwind Traders Billing", "billing@northwind.example"),
        "Invoice 48213 from Northwind Traders",
        "Dear customer, please find attached invoice 48213 for your recent order. Amount due: 2,418.60 EUR. Payment \
         terms: 30 days net.",
    )
    .att()
    .other(),
    m(
        ("Fabrikam Accounts", "accounts@fabrikam.example"),
        "Invoice FAB-22907 – payment due in 14 days",
        "Hello, attached is invoice FAB-22907 for consulting services. Please pay within 14 days to the account \
         shown on the invoice. Thank you for your business.",
    )
    .att(),
    m(
        ("Contoso Expenses", "expenses@contoso.example"),
        "Your expense report was approved",
        "Your expense report 'Client visit – travel' (312.40) was approved by your manager and will be paid with \
         your next salary.",
    ),
    m(
        IT,
        "Action needed: complete your security awareness training",
        "Hi {me}, you have not yet completed this year's security awareness training. It takes about 25 minutes. \
         Please finish it by the end of the month.",
    )
    .high(),
    m(PRADEEP, "Accepted: Budget review", ""),
    m(
        ISAIAH,
        "Declined: Brainstorm: spring events",
        "Sorry, I'm with a customer all afternoon. Happy to send ideas by email.",
    ),
    m(
        NESTOR,
        "Updated invitation: Daily stand-up",
        "The stand-up moves to the small meeting room from next week. The Teams link stays the same.",
    ),
    m(
        GRADY,
        "Grady Archie shared the folder \"Holiday campaign assets\" with you",
        "Here's the folder with the final holiday campaign assets: banners, social images and the in-store \
         posters.\r\n\r\nOpen",
    ),
    m(
        ("Tailspin Toys", "orders@tailspintoys.example"),
        "Your order has shipped",
        "Good news! Your order #TT-77120 has shipped and should arrive in 2–3 days. Track your package in your \
         account.",
    )
    .other(),
    m(
        IT,
        "Your password expires in 7 days",
        "Hi {me}, your Contoso password expires in 7 days. Change it now at the self-service portal to avoid being \
         locked out.",
    ),
    m(
        ("Litware Events", "events@litware.example"),
        "Webinar tomorrow: AI in retail forecasting",
        "Don't miss tomorrow's webinar. Our panel will show how retailers use AI to forecast demand for seasonal \
         products.\r\n\r\nJoin the webinar",
    )
    .other(),
    m(
        FACILITIES,
        "Parking garage closed on Saturday",
        "The parking garage is closed on Saturday for cleaning. Please use the public garage on Main Street; \
         tickets will be reimbursed.",
    )
    .to(&[ALL_STAFF])
    .low(),
    m(
        JOHANNA,
        "Re: Printer on the 3rd floor",
        "It's fixed — it was a paper jam in tray 2. If it happens again, please open a ticket instead of \
         restarting it.",
    ),
    m(
        ("Contoso Reports", "reports@contoso.example"),
        "Monthly sales dashboard is ready",
        "The monthly sales dashboard has been refreshed with last month's data.\r\n\r\nHighlights: online +9%, \
         stores +3%, returns −1.2 points.",
    )
    .other(),
    m(
        LIDIA,
        "New comment on \"Spring campaign brief\"",
        "Lidia Holloway mentioned you: \"@{me} can you confirm the launch date for your region?\"",
    ),
    m(
        ("Contoso HR", "hr@contoso.example"),
        "Reminder: submit your timesheet",
        "Hi {me}, this is a friendly reminder to submit your timesheet for last week by Monday noon.",
    ),
    m(
        DIEGO,
        "Benefits enrollment closes Friday",
        "If you want to change your health plan or add dependants, please do so in the benefits portal by Friday. \
         After that, changes are only possible with a life event.",
    )
    .to(&[ALL_STAFF]),
    m(
        ("Contoso Travel", "travel@contoso.example"),
        "Your trip to Seattle is confirmed",
        "Your trip is confirmed.\r\n\r\nOutbound: overnight flight CT 481 to Seattle\r\nHotel: Harbor View Hotel, \
         3 nights\r\n\r\nYour e-tickets and itinerary are attached.",
    )
    .att(),
    m(
        ("Contoso Partner Summit", "summit@contoso.example"),
        "Partner Summit: your badge and agenda",
        "We look forward to seeing you in Seattle! Show the QR code on the attached badge at registration. The \
         agenda is online.",
    )
    .att(),
    m(
        ISAIAH,
        "Fwd: Customer feedback from the pop-up store",
        "Forwarding some lovely feedback:\r\n\r\n> The staff were so helpful and the kids' corner was great. We'll \
         be back!\r\n\r\nIsaiah",
    ),
    m(
        JONI,
        "Re: Team offsite ideas",
        "I vote for the cooking class! Second choice: the escape room. Anything but bowling, please 😄",
    ),
    m(
        JONI,
        "Contract review: Northwind supply agreement",
        "Hi {me}, I reviewed the Northwind supply agreement. Two points need your decision: the minimum order \
         volume and the penalty clause. My notes are attached.",
    )
    .att(),
    m(
        PRADEEP,
        "Weekly KPI snapshot",
        "This week's KPIs are attached. Conversion is flat, the average basket is up 4%, and stock-outs are down to \
         1.1%.",
    )
    .att(),
    m(
        PATTI,
        "Reminder: all-hands next week",
        "Reminder: our monthly all-hands is next week. Bring your questions — we'll keep 20 minutes for Q&A.",
    )
    .to(&[ALL_STAFF]),
    m(
        ("Adventure Works Magazine", "subscriptions@adventure-works.example"),
        "Your subscription renews soon",
        "Your subscription to Adventure Works Magazine renews automatically in 14 days. To change or cancel, visit \
         your account page.",
    )
    .other(),
    m(
        NESTOR,
        "Automatic reply: Store staffing for December",
        "I'm out of the office until Monday with limited access to email. For urgent matters please contact Lynne \
         Robbins.",
    ),
    m(
        LIDIA,
        "Meeting notes: campaign sync",
        "Notes:\r\n1. Launch date confirmed.\r\n2. Social posts: drafts due Friday.\r\n3. In-store material: proofs \
         next week.\r\nAction items are on the Planner board.",
    ),
    m(
        ("Tailspin Toys Billing", "billing@tailspintoys.example"),
        "Invoice 7731 from Tailspin Toys",
        "Please find attached invoice 7731 for the display toys. Amount due: 860.00 USD. Thank you!",
    )
    .att()
    .other(),
    m(
        IT,
        "How did we do? Your ticket #30412 is resolved",
        "Your support ticket #30412 ('Teams camera not working') has been resolved. Please take 30 seconds to rate \
         our service.",
    )
    .low()
    .other(),
    m(
        ("Ravi Patel", "ravi.patel@fabrikam.example"),
        "Re: Sample requests",
        "Thanks for the quick turnaround! The samples look great. We'll confirm quantities by Thursday.",
    ),
    m(
        ("Contoso Security", "security@contoso.example"),
        "New sign-in to your account",
        "We noticed a new sign-in to your Contoso account from a new device (Windows, Edge). If this was you, no \
         action is needed.",
    ),
    m(
        MIRIAM,
        "Kudos for the team 👏",
        "Great results this month, everyone. Special thanks for stepping in during the system outage last week.",
    )
    .to(&[TEAM]),
    m(
        ("Woodgrove Bank", "alerts@woodgrovebank.example"),
        "Payment received",
        "We received your card payment of 1,250.00. Thank you. This is an automated message.",
    )
    .other(),
    m(
        ("The Marketing Minute", "digest@marketingminute.example"),
        "5 ideas for your next campaign",
        "1. Start with one customer problem, not ten.\r\n2. Test two subject lines on a small list first.\r\n3. \
         Reuse your best-performing post as a short video.\r\n4. Ask your sales team which questions customers ask \
         most.\r\n5. Measure one thing that matters and ignore the rest.\r\n\r\nRead more ideas on our blog, and \
         forward this email to a colleague who might enjoy it.",
    )
    .other(),
    m(
        LYNNE,
        "Planner: 3 tasks due this week",
        "You have 3 tasks due this week: update the store calendar, review the signage proofs, send the inventory \
         count sheets.",
    ),
    m(
        HENRIETTA,
        "Re: Teams channel for the launch",
        "Done — the channel 'Spring launch' is created and everyone on the list is a member.",
    ),
];
