"""The vocabulary of the synthetic organisation: departments with their titles
and skills, time zones, topics, comments and rating mixes (names are in
`storage.seed.names`)."""

from __future__ import annotations

# department: (relative size, roles, skills its people teach and learn)
DEPARTMENTS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "Engineering": (
        22,
        ("Software Engineer", "Backend Engineer", "Frontend Engineer", "Engineering Manager"),
        (
            "python",
            "go",
            "java",
            "typescript",
            "react",
            "system design",
            "api design",
            "testing",
            "distributed systems",
            "microservices",
            "postgresql",
            "performance",
        ),
    ),
    "Platform": (
        6,
        ("Site Reliability Engineer", "Platform Engineer", "DevOps Engineer"),
        ("kubernetes", "docker", "aws", "gcp", "terraform", "ci/cd", "observability", "go"),
    ),
    "Mobile": (
        4,
        ("iOS Engineer", "Android Engineer", "Mobile Engineer"),
        ("swift", "kotlin", "mobile development", "accessibility", "testing"),
    ),
    "Data Science": (
        5,
        ("Data Scientist", "Machine Learning Engineer", "Data Analyst"),
        ("machine learning", "deep learning", "statistics", "python", "data analysis", "sql"),
    ),
    "Data Engineering": (
        3,
        ("Data Engineer", "Analytics Engineer"),
        ("data engineering", "spark", "sql", "python", "postgresql"),
    ),
    "Security": (
        2,
        ("Security Engineer", "Security Analyst"),
        ("security", "compliance", "aws", "rust"),
    ),
    "Quality Assurance": (
        3,
        ("QA Engineer", "Test Automation Engineer"),
        ("testing", "ci/cd", "javascript", "python"),
    ),
    "Product Management": (
        5,
        ("Product Manager", "Product Owner", "Group Product Manager"),
        ("product strategy", "roadmapping", "user research", "analytics", "negotiation"),
    ),
    "Design": (
        4,
        ("Product Designer", "UX Researcher", "Content Designer"),
        ("ux design", "figma", "design systems", "user research", "accessibility", "copywriting"),
    ),
    "Research": (
        2,
        ("Research Scientist", "Research Engineer"),
        ("machine learning", "statistics", "writing", "c++"),
    ),
    "Marketing": (
        5,
        ("Marketing Manager", "Content Strategist", "Growth Marketer"),
        ("seo", "copywriting", "growth", "analytics", "public speaking"),
    ),
    "Sales": (
        8,
        ("Account Executive", "Sales Development Representative", "Sales Engineer"),
        ("negotiation", "sales strategy", "public speaking", "customer empathy"),
    ),
    "Customer Success": (
        5,
        ("Customer Success Manager", "Onboarding Specialist"),
        ("customer empathy", "communication", "conflict resolution", "project management"),
    ),
    "Customer Support": (
        6,
        ("Support Engineer", "Support Specialist", "Support Team Lead"),
        ("customer empathy", "communication", "sql", "time management"),
    ),
    "Finance": (
        3,
        ("Financial Analyst", "Accountant", "Controller"),
        ("financial modeling", "budgeting", "compliance", "sql"),
    ),
    "Legal": (
        2,
        ("Counsel", "Paralegal", "Compliance Manager"),
        ("compliance", "negotiation", "writing"),
    ),
    "People": (
        3,
        ("HR Business Partner", "Recruiter", "People Operations Specialist"),
        ("hiring", "interviewing", "conflict resolution", "people management"),
    ),
    "Operations": (
        3,
        ("Operations Manager", "Business Analyst", "Program Manager"),
        ("project management", "agile", "budgeting", "analytics"),
    ),
    "IT": (
        2,
        ("IT Support Engineer", "Systems Administrator"),
        ("security", "docker", "time management"),
    ),
    "Communications": (
        2,
        ("Communications Manager", "Technical Writer"),
        ("writing", "public speaking", "copywriting"),
    ),
}
# Anyone may teach or want these, whatever their department.
GENERAL_SKILLS = (
    "leadership",
    "people management",
    "career growth",
    "mentoring",
    "public speaking",
    "communication",
    "time management",
    "remote work",
    "interviewing",
    "conflict resolution",
    "writing",
    "agile",
    "rust",
    "javascript",
)
SKILLS: tuple[str, ...] = tuple(
    sorted({s for _, _, skills in DEPARTMENTS.values() for s in skills} | set(GENERAL_SKILLS))
)

SENIORITY = (
    ("Junior ", 12),
    ("", 45),
    ("Senior ", 28),
    ("Staff ", 8),
    ("Principal ", 4),
    ("Lead ", 3),
)
MENTOR_SENIORITY = (("", 20), ("Senior ", 45), ("Staff ", 18), ("Principal ", 10), ("Lead ", 7))

# zone: weight. DST zones on both hemispheres, half-hour and no-DST zones too.
TIME_ZONES = (
    ("America/Los_Angeles", 12),
    ("America/Denver", 3),
    ("America/Chicago", 7),
    ("America/New_York", 15),
    ("America/Toronto", 3),
    ("America/Sao_Paulo", 4),
    ("Europe/London", 12),
    ("Europe/Dublin", 3),
    ("Europe/Berlin", 8),
    ("Europe/Paris", 5),
    ("Europe/Madrid", 3),
    ("Europe/Warsaw", 4),
    ("Asia/Kolkata", 8),
    ("Asia/Dubai", 1),
    ("Asia/Singapore", 3),
    ("Asia/Tokyo", 2),
    ("Australia/Sydney", 3),
    ("Pacific/Auckland", 1),
    ("Africa/Lagos", 2),
    ("UTC", 1),
)

TOPICS = (
    "Career growth",
    "Preparing for promotion",
    "Feedback on my project plan",
    "Moving into management",
    "Getting started",
    "Quarterly check-in",
    "Interview preparation",
    "Working across teams",
    "Prioritising my work",
    "Giving difficult feedback",
    "Presentation rehearsal",
    "",
)
TOPIC_FORMS = ("{} questions", "Getting better at {}", "{} deep dive", "Review: {}")
NOTES = (
    "Agreed on three goals for next month.",
    "Shared reading list; follow up in two weeks.",
    "Walked through the design doc together.",
    "Practised the talk; timing is good now.",
    "Discussed the promotion packet and gaps.",
    "Paired on a tricky bug, good progress.",
)
DECLINE_REASONS = (
    "Sorry, that slot no longer works for me.",
    "I'm travelling that week.",
    "Someone else on my team is a better fit for this topic.",
    "",
)
CANCEL_REASONS = (
    "Something urgent came up.",
    "Feeling unwell today.",
    "Conflicting meeting, will rebook.",
    "Out of office unexpectedly.",
    "No longer needed, thanks!",
)
MENTOR_COMMENTS = (
    "Really helpful, thank you!",
    "Great advice, very practical.",
    "Clear and patient explanations.",
    "Gave me a lot to think about.",
    "Exactly what I needed before my review.",
    "Good session, a bit rushed at the end.",
    "Useful, though we ran out of time.",
)
MENTEE_COMMENTS = (
    "Well prepared with good questions.",
    "Great progress since last time.",
    "Keen and curious, a pleasure.",
)
# Ratings a mentee gives, by the mentor's quality (percent of 100 draws, 5 first).
RATING_MIXES = ((80, 15, 4, 1, 0), (60, 28, 8, 3, 1), (40, 35, 15, 6, 4), (25, 30, 25, 12, 8))
MENTOR_QUALITY_WEIGHTS = (30, 40, 20, 10)
MENTEE_RATING_MIX = (55, 35, 8, 2, 0)
