; Inno Setup script for Desktop GPT on Windows: wraps the one-folder build (dist\desktop-gpt, from
; packaging\desktop-gpt.spec) in a per-user installer with a Start-menu entry and an uninstaller.
;   iscc /DAppVersion=0.1.0 /DVariant=cpu packaging\windows\desktop-gpt.iss
; The uninstaller removes the program only; it asks before deleting the user's chats, settings and models.
; Built and tested only by .github/workflows/build.yml (no Windows machine here).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Variant
  #define Variant "cpu"
#endif
#define AppName "Desktop GPT"
#define SourceDir "..\..\dist\desktop-gpt"

[Setup]
AppId={{6F0B7C2E-8E0C-4B4A-9A8E-3C1D2B7A5F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Desktop GPT developers
DefaultDirName={localappdata}\Programs\Desktop GPT
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=DesktopGPT-{#AppVersion}-{#Variant}-setup
SetupIconFile=..\..\build\icons\desktop-gpt.ico
UninstallDisplayIcon={app}\Desktop GPT.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; the windowed twin of desktop-gpt.exe (same program, no console window)
Name: "{userprograms}\{#AppName}"; Filename: "{app}\Desktop GPT.exe"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\Desktop GPT.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
Filename: "{app}\Desktop GPT.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// platformdirs' folders for appauthor=False: %LOCALAPPDATA%\desktop-gpt (data, cache, logs) and the roaming config.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    if not UninstallSilent() then
      if MsgBox('Also delete your chats, settings and downloaded models?' #13#10 +
                'Choose No to keep them for a later install.', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
      begin
        DelTree(ExpandConstant('{localappdata}\desktop-gpt'), True, True, True);
        DelTree(ExpandConstant('{userappdata}\desktop-gpt'), True, True, True);
      end;
end;
