//! `member-center quota …` and `quota-request …`: project quotas, and the
//! operators' side of quota requests.

use clap::Subcommand;

use super::explain;
use crate::{
    db::{self, Db},
    operator::service,
    roles::PlatformRole,
};

#[derive(Subcommand)]
pub(super) enum QuotaCommand {
    /// Set a project's quota of a service (-1: unlimited).
    Set {
        #[arg(long)]
        project: String,
        /// ccs, vcs or hpc.
        #[arg(long)]
        service: String,
        #[command(flatten)]
        figures: Figures,
    },
}

/// A quota's figures as typed, each optional (-1: unlimited).
#[derive(clap::Args)]
pub(super) struct Figures {
    #[arg(long, allow_hyphen_values = true)]
    cpu: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    gpu: Option<String>,
    /// GiB.
    #[arg(long, allow_hyphen_values = true)]
    memory: Option<String>,
    /// vcs only.
    #[arg(long, allow_hyphen_values = true)]
    floating_ip: Option<String>,
}

impl Figures {
    /// Each resource's code and figure.
    fn named(self) -> [(&'static str, Option<String>); 4] {
        [
            ("cpu", self.cpu),
            ("gpu", self.gpu),
            ("memory", self.memory),
            ("floating_ip", self.floating_ip),
        ]
    }
}

#[derive(Subcommand)]
pub(super) enum QuotaRequestCommand {
    /// List requests, open ones first.
    List {
        /// open, approved, declined, withdrawn or closed (default: every status).
        #[arg(long)]
        status: Option<String>,
    },
    /// Approve a request, as asked or with the figures given (a change needs --comment).
    Approve {
        id: i64,
        /// The operator deciding (their username).
        #[arg(long = "as")]
        operator: String,
        #[command(flatten)]
        figures: Figures,
        /// A renewal's end date, when not as asked (YYYY-MM-DD).
        #[arg(long)]
        ends_on: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Decline a request, saying why.
    Decline {
        id: i64,
        /// The operator deciding (their username).
        #[arg(long = "as")]
        operator: String,
        #[arg(long)]
        comment: String,
    },
}

/// Runs a `quota` command.
pub(super) async fn run(location: &db::Location, command: QuotaCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    match command {
        QuotaCommand::Set {
            project,
            service,
            figures,
        } => {
            let named = figures.named();
            let values = named.each_ref().map(|(name, value)| (*name, value.as_deref()));
            service::set_project_quota(&db, None, &project, &service, &values)
                .await
                .map_err(explain)?;
            println!("Set the {service} quota of {project}.");
        }
    }
    Ok(())
}

/// `quota-request list|approve|decline`: the operators' side of quota
/// requests, through the same service functions as the console.
pub(super) async fn run_request(db: &Db, command: QuotaRequestCommand) -> anyhow::Result<()> {
    use crate::quota_requests::{
        Fields, RequestStatus, parse_decision,
        service::{self as requests, Actor as Decider, Decided, DecidingAs, ListFilter},
    };
    let (id, operator, fields) = match command {
        QuotaRequestCommand::List { status } => {
            let status = match status.as_deref() {
                None | Some("") => None,
                Some(code) => Some(
                    RequestStatus::parse(code)
                        .ok_or_else(|| anyhow::anyhow!("status: open, approved, declined, withdrawn or closed"))?,
                ),
            };
            let filter = ListFilter {
                status,
                ..ListFilter::default()
            };
            let (list, total) = requests::list(db, &filter, 1000, 0).await?;
            for r in &list {
                let asked = match r.ends_on {
                    Some(date) => format!("ends_on={date}"),
                    None => r
                        .items
                        .iter()
                        .map(|i| format!("{}={}", i.resource.code(), i.asked))
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                println!(
                    "#{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.status.code(),
                    r.project_code,
                    r.requester_username,
                    r.kind.code(),
                    r.service.map_or("-", |s| s.code()),
                    asked
                );
            }
            println!("{} of {total} requests.", list.len());
            return Ok(());
        }
        QuotaRequestCommand::Approve {
            id,
            operator,
            figures,
            ends_on,
            comment,
        } => {
            let mut fields = Fields::new();
            let figures = figures.named().into_iter().chain([("ends_on", ends_on)]);
            for (name, value) in figures {
                if let Some(value) = value {
                    fields.insert(name.to_string(), value);
                }
            }
            fields.insert("decision".into(), "approve".into());
            fields.insert("comment".into(), comment);
            (id, operator, fields)
        }
        QuotaRequestCommand::Decline { id, operator, comment } => {
            let mut fields = Fields::new();
            fields.insert("decision".into(), "decline".into());
            fields.insert("comment".into(), comment);
            (id, operator, fields)
        }
    };
    let account = service::account(db, &operator).await.map_err(explain)?;
    if account.platform_role != PlatformRole::Operator {
        anyhow::bail!("--as {operator}: not an operator");
    }
    let (request, _) = requests::any(db, id).await.map_err(|e| explain(e.into()))?;
    let (decision, comment) = parse_decision(&request, &fields).map_err(explain)?;
    let decider = Decider {
        id: account.id,
        name: &account.display_name,
    };
    let decided = requests::decide(db, decider, DecidingAs::Operator, id, &decision, &comment)
        .await
        .map_err(|e| explain(e.into()))?;
    match decided {
        Decided::Approved => println!("Request #{id} approved; the new figures apply now."),
        Decided::Declined => println!("Request #{id} declined."),
        Decided::Closed => println!("Request #{id} is no longer possible and was closed."),
    }
    Ok(())
}
