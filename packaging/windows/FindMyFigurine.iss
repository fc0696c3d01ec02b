; Inno Setup 6 script: FindMyFigurine-Setup-<version>.exe from the PyInstaller folder.
; packaging/build.py runs it as
;   ISCC /DAppVersion=0.1.0 /DSourceDir=dist\FindMyFigurine /DOutputDir=dist
;        /DIconFile=packaging\icons\fmf.ico packaging\windows\FindMyFigurine.iss
; Per-user install (no admin prompt): the app goes to %LOCALAPPDATA%\Programs and the
; shortcuts to the user's Start menu/desktop. The user's settings, taught figures and
; collection live in %APPDATA%\FindMyFigurine and are left alone by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\FindMyFigurine"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile "..\icons\fmf.ico"
#endif
#define AppName "Find My Figurine"
#define AppExe "FindMyFigurine.exe"

[Setup]
; A fixed AppId lets later versions upgrade this install in place (never change it).
AppId={{6F1C7C2E-6A53-4E0B-9E43-2C1F6F1A9B7D}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Find My Figurine project
DefaultDirName={autopf}\FindMyFigurine
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; No admin rights: {autopf} becomes %LOCALAPPDATA%\Programs, shortcuts go to the user.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=FindMyFigurine-Setup-{#AppVersion}
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the app itself may have created inside its install folder (nothing should be);
; the user's data in %APPDATA% stays.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
